using System.CommandLine;
using System.Text.Json;
using ReMiT.Cluster.Benchmarks;
using ReMiT.Model;
using ReMiT.Training.Benchmarks;
using static TorchSharp.torch;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit bench train|generate|messages</c>: throughput of a preset's model, or of experience messages between two nodes, on this machine (allreduce and dp: <see cref="BenchParallelCommands"/>).</summary>
internal static class BenchCommand
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Model preset: smoke, tiny, small or base.", DefaultValueFactory = _ => "tiny" };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16 (weights and activations).", DefaultValueFactory = _ => "float32" };
        var json = new Option<bool>("--json") { Description = "Print only one JSON line." };
        var steps = new Option<int>("--steps") { Description = "Timed optimizer steps (after 2 warmup steps).", DefaultValueFactory = _ => 10 };
        var batch = new Option<int?>("--batch") { Description = "Sequences per step (default: the preset's)." };
        var seq = new Option<int?>("--seq-len") { Description = "Tokens per sequence (default: the preset's)." };
        var checkpointing = new Option<bool>("--activation-checkpointing") { Description = "Recompute each decoder block in backward instead of keeping its activations." };
        var train = new Command("train",
            "Optimizer steps on random tokens; prints tokens_per_s, params, n_layers, d_model, seq_len, matmul_peak_flops, mfu and peak_resident_bytes.\n\n" +
            "Example:\n  remit bench train --preset tiny --steps 10 --json") { preset, device, dtype, json, steps, batch, seq, checkpointing };
        train.SetGuardedAction((p, output, _) =>
        {
            var (dev, type) = Resolve(p.GetValue(device)!, p.GetValue(dtype)!);
            bool quiet = p.GetValue(json);
            var result = TrainBenchmark.Run(ModelPresets.Get(p.GetValue(preset)!), p.GetValue(steps), dev, type,
                p.GetValue(batch), p.GetValue(seq), log: quiet ? null : output.WriteLine,
                activationCheckpointing: p.GetValue(checkpointing));
            if (!quiet)
                output.WriteLine($"{result.Preset}: {result.TokensPerS:F0} tokens/s, {result.Mfu:P1} of the measured matmul peak " +
                                 $"({result.MatmulPeakFlops / 1e9:F1} GFLOP/s), {result.Params:N0} parameters");
            output.WriteLine(JsonSerializer.Serialize(result, SnakeCase));
            return 0;
        });

        var prompts = new Option<int>("--prompts") { Description = "Prompts in the batch.", DefaultValueFactory = _ => 64 };
        var promptLen = new Option<int>("--prompt-len") { Description = "Tokens per prompt.", DefaultValueFactory = _ => 64 };
        var newTokens = new Option<int>("--new-tokens") { Description = "New tokens per prompt.", DefaultValueFactory = _ => 256 };
        var generate = new Command("generate",
            "Batched sampling with the KV cache; prints new tokens/s.\n\nExample:\n  remit bench generate --preset tiny --prompts 16 --new-tokens 64 --json")
            { preset, device, dtype, json, prompts, promptLen, newTokens };
        generate.SetGuardedAction((p, output, _) =>
        {
            var (dev, type) = Resolve(p.GetValue(device)!, p.GetValue(dtype)!);
            var result = GenerateBenchmark.Run(ModelPresets.Get(p.GetValue(preset)!), dev, type,
                p.GetValue(prompts), p.GetValue(promptLen), p.GetValue(newTokens));
            if (!p.GetValue(json))
                output.WriteLine($"{result.Preset}: {result.NewTokensPerS:F0} new tokens/s ({result.Prompts} prompts x {result.NewTokens} tokens)");
            output.WriteLine(JsonSerializer.Serialize(result, SnakeCase));
            return 0;
        });
        var rollouts = new Option<int>("--rollouts") { Description = "Rollouts per RolloutsDone batch.", DefaultValueFactory = _ => 8 };
        var tokens = new Option<int>("--tokens") { Description = "Completion tokens per rollout (each with a float log-prob).", DefaultValueFactory = _ => 256 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt tokens per rollout.", DefaultValueFactory = _ => 64 };
        var window = new Option<int>("--window") { Description = "Batches the receiver keeps requested (it asks for more at half).", DefaultValueFactory = _ => 32 };
        var seconds = new Option<double>("--seconds") { Description = "Timed seconds (after 1 s of warm-up).", DefaultValueFactory = _ => 5 };
        var plainTell = new Option<bool>("--plain-tell") { Description = "Send with Tell instead of Chunker.Tell (batches must fit MaxMessageBytes)." };
        var tls = new Option<bool>("--tls") { Description = "Mutual TLS between the two systems, as between cluster nodes (certificates from a throwaway CA)." };
        var messages = new Command("messages",
            "Experience throughput between two ActorSystems over TCP loopback (Akka.Remote, RemitSerializer): a receiver pulls " +
            "RolloutsDone batches n at a time; prints messages/s and MB/s.\n\nExamples:\n  remit bench messages --rollouts 8 --tokens 256 --seconds 5 --json\n" +
            "  remit bench messages --tls            # the same over mutual TLS, as cluster nodes talk")
            { rollouts, tokens, promptTokens, window, seconds, plainTell, tls, json };
        messages.SetGuardedAction((p, output, _) =>
        {
            var result = MessageBenchmark.Run(p.GetValue(rollouts), p.GetValue(promptTokens), p.GetValue(tokens), p.GetValue(window),
                p.GetValue(seconds), viaChunker: !p.GetValue(plainTell), tls: p.GetValue(tls));
            if (!p.GetValue(json))
                output.WriteLine($"{result.Rollouts} rollouts x {result.CompletionTokens} tokens ({result.MessageBytes:N0} bytes{(result.Chunked ? ", chunked" : "")}{(result.Tls ? ", mutual TLS" : "")}): " +
                                 $"{result.MessagesPerS:F0} messages/s, {result.MegabytesPerS:F1} MB/s, {result.RolloutsPerS:F0} rollouts/s, " +
                                 $"{result.CpuMicrosecondsPerMessage:F0} µs CPU per message");
            output.WriteLine(JsonSerializer.Serialize(result, SnakeCase));
            return 0;
        });
        return new Command("bench", "Benchmarks (results are recorded in bench/RESULTS.md).") { train, generate, messages, BenchParallelCommands.CreateAllReduce(), BenchParallelCommands.CreateDataParallel(), BenchMemoryCommand.Create() };
    }

    private static (Device, ScalarType) Resolve(string device, string dtype)
    {
        TorchRuntime.EnsureLoaded();
        return (TorchRuntime.ResolveDevice(device), TorchRuntime.ParseDtype(dtype));
    }
}
