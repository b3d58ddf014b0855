using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using ReMiT.Cluster.Hosting.Tls;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Benchmarks;

public sealed record MessageBenchmarkResult(
    int Rollouts, int PromptTokens, int CompletionTokens, int MessageBytes, bool Chunked, bool ViaChunker, int Window, bool Tls,
    double Seconds, long Messages, double MessagesPerS, double MegabytesPerS, double RolloutsPerS, double CpuMicrosecondsPerMessage);

/// <summary>
/// Experience throughput between two ActorSystems in this process over real TCP on 127.0.0.1
/// (Akka.Remote, DotNetty, <see cref="RemitHocon"/>): a learner-side actor pulls <see cref="RolloutsDone"/>
/// batches from a rollout-side actor with <see cref="RequestWork"/>, keeping <c>window</c> batches in flight
/// (it asks for more when half have arrived). Batches above <see cref="Chunker.DefaultChunkBytes"/> travel
/// as chunks and are reassembled. Counts whole batches received after a warm-up; megabytes are 10^6 bytes
/// of serialized batch (Akka's envelope not counted). CPU per message is this process's CPU time (both
/// systems, every thread) over the timed window divided by the batches received: on a machine shared with
/// other jobs it moves far less than the throughput does (0 when no batch arrived). With <c>tls</c> both systems talk mutual TLS as cluster
/// nodes do (<see cref="NodeTlsIdentity"/>), with certificates from a throwaway CA made for the run.
/// </summary>
public static class MessageBenchmark
{
    public static MessageBenchmarkResult Run(
        int rollouts = 8, int promptTokens = 64, int completionTokens = 256, int window = 32,
        double seconds = 5, double warmupSeconds = 1, bool viaChunker = true, int vocab = 151_936, bool tls = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rollouts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        var template = Batch(rollouts, promptTokens, completionTokens, vocab);
        int bytes = RemitCodec.Default.Serialize(template).Length;
        bool chunked = viaChunker && bytes > Chunker.DefaultChunkBytes;
        if (!viaChunker && bytes > RemitHocon.MaxMessageBytes)
            throw new ArgumentException($"a batch of {bytes:N0} bytes exceeds MaxMessageBytes = {RemitHocon.MaxMessageBytes:N0}; run it via the Chunker");

        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0, enable-ssl = {{(tls ? "true" : "false")}} }
            akka.loglevel = WARNING
            """).WithFallback(RemitHocon.Config);
        using var authority = tls ? RunCertificates.CreateAuthority("remit bench CA", TimeSpan.FromHours(1)) : null;
        using var rolloutIdentity = authority is null ? null : Identity(authority, "bench-rollout");
        using var learnerIdentity = authority is null ? null : Identity(authority, "bench-learner");
        using var rolloutNode = ActorSystem.Create("bench-rollout", SystemSetup(config, rolloutIdentity));
        using var learnerNode = ActorSystem.Create("bench-learner", SystemSetup(config, learnerIdentity));
        try
        {
            rolloutNode.ActorOf(Props.Create(() => new Producer(template, viaChunker)), "producer");
            var address = ((ExtendedActorSystem)rolloutNode).Provider.DefaultAddress;
            var producer = learnerNode.ActorSelection(new RootActorPath(address) / "user" / "producer")
                .ResolveOne(TimeSpan.FromSeconds(15)).GetAwaiter().GetResult();
            var received = new Counter();
            learnerNode.ActorOf(Props.Create(() => new Consumer(producer, window, received)), "consumer");

            Thread.Sleep(TimeSpan.FromSeconds(warmupSeconds));
            long start = received.Value;
            var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
            long messages = received.Value - start;
            double elapsed = clock.Elapsed.TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
            return new MessageBenchmarkResult(rollouts, promptTokens, completionTokens, bytes, chunked, viaChunker, window, tls,
                elapsed, messages, messages / elapsed, messages * (double)bytes / elapsed / 1e6, messages * (double)rollouts / elapsed,
                messages > 0 ? cpu * 1e6 / messages : 0);
        }
        finally
        {
            Task.WaitAll([learnerNode.Terminate(), rolloutNode.Terminate()], TimeSpan.FromSeconds(15));
        }
    }

    private static ActorSystemSetup SystemSetup(Config config, NodeTlsIdentity? identity)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(config);
        return identity is null ? ActorSystemSetup.Create(bootstrap) : ActorSystemSetup.Create(bootstrap, identity.SslSetup());
    }

    // Goes through the PEM files a node reads, so the bench measures the identity nodes really use.
    private static NodeTlsIdentity Identity(System.Security.Cryptography.X509Certificates.X509Certificate2 authority, string name)
    {
        string dir = Directory.CreateTempSubdirectory("remit-bench-tls-").FullName;
        try
        {
            string caPath = Path.Combine(dir, "ca.crt");
            File.WriteAllText(caPath, authority.ExportCertificatePem() + "\n");
            using var certificate = RunCertificates.Issue(authority, name, ["127.0.0.1"], TimeSpan.FromHours(1));
            var (certPath, keyPath) = RunCertificates.WritePem(certificate, dir, "tls");
            return NodeTlsIdentity.Load(new NodeTlsFiles(caPath, certPath, keyPath));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A realistic batch: token ids over a Qwen-sized vocabulary, negative log-probs, one policy version.</summary>
    public static RolloutsDone Batch(int rollouts, int promptTokens, int completionTokens, int vocab = 151_936)
    {
        var rng = new Random(0);
        int[] Tokens(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(vocab)).ToArray();
        var records = Enumerable.Range(0, rollouts).Select(i => new RolloutRecord(
            i / 8, Tokens(promptTokens), Tokens(completionTokens),
            Enumerable.Range(0, completionTokens).Select(_ => (float)Math.Log(rng.NextDouble() + 1e-9)).ToArray(),
            PolicyVersion: 12, Stopped: i % 4 != 0, Reward: 0, Correct: false)).ToArray();
        return new RolloutsDone(0, "rl:remit", 1, records);
    }

    private sealed class Counter
    {
        private long _value;
        public long Value => Interlocked.Read(ref _value);
        public void Increment() => Interlocked.Increment(ref _value);
    }

    // Rollout side: answers each RequestWork(n) with n batches (each a new WorkId; the arrays are shared, serialization is not).
    private sealed class Producer : ReceiveActor
    {
        private long _nextWorkId;

        public Producer(RolloutsDone template, bool viaChunker) =>
            Receive<RequestWork>(request =>
            {
                for (int i = 0; i < request.Count; i++)
                {
                    var batch = template with { WorkId = _nextWorkId++ };
                    if (viaChunker)
                        Chunker.Tell(Sender, batch, Self);
                    else
                        Sender.Tell(batch, Self);
                }
            });
    }

    // Learner side: pulls, keeping between window/2 and window batches requested but not yet received.
    private sealed class Consumer : ReceiveActor
    {
        private readonly IActorRef _producer;
        private readonly int _window;
        private readonly ChunkAssembler _assembler = new();
        private int _outstanding;

        public Consumer(IActorRef producer, int window, Counter received)
        {
            _producer = producer;
            _window = window;
            Receive<MessageChunk>(chunk =>
            {
                if (_assembler.Add(chunk) is { } whole)
                    Self.Forward(whole);
            });
            Receive<RolloutsDone>(_ =>
            {
                received.Increment();
                if (--_outstanding <= _window / 2)
                    Request();
            });
        }

        protected override void PreStart() => Request();

        private void Request()
        {
            _producer.Tell(new RequestWork(WorkKinds.Rollout, _window - _outstanding), Self);
            _outstanding = _window;
        }
    }
}
