using ReMiT.Cluster.Metrics;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Distributed;
using ReMiT.Training.Reporting;
using ReMiT.Training.Stages;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// What the actors of one node share: where the run lives, the device, the node's metrics, the
/// console, the learner collective, and the signal that the run is over. The run context is opened
/// lazily (a worker may start before the coordinator has prepared the run directory).
/// </summary>
public sealed class NodeServices(string runDirectory, Device device, RemitMetrics metrics, TextWriter log, ICollective collective,
                                 int metricsPort, CancellationToken cancellation) : IDisposable
{
    private readonly object _gate = new();
    private RunContext? _run;
    private MetricsLog? _metricsLog;
    private MetricsBridge? _bridge;

    public string RunDirectory { get; } = Path.GetFullPath(runDirectory);
    public Device Device { get; } = device;
    public RemitMetrics Metrics { get; } = metrics;
    public TextWriter Log { get; } = log;
    public ICollective Collective { get; } = collective;
    public int MetricsPort { get; } = metricsPort;

    /// <summary>Cancelled on Ctrl-C or when the run ends: running stages stop at their next step boundary.</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Completed with null when the run finished, or with the error that stopped it.</summary>
    public TaskCompletionSource<string?> Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly Lazy<double> _peakFlops = new(() => ReMiT.Training.Benchmarks.MatmulPeak.Measure(device, ScalarType.Float32));

    /// <summary>This device's matmul FLOP/s, measured once (about a second) for the learners' MFU.</summary>
    public double PeakFlops => _peakFlops.Value;

    /// <summary>The run (config, tokenizer, data), opened on first use.</summary>
    public RunContext Run
    {
        get { lock (_gate) return _run ??= RunContext.Open(RunDirectory); }
    }

    /// <summary>A stage context writing to the run's metrics.jsonl (shared by every node; appends are whole lines).</summary>
    public StageContext StageContext()
    {
        lock (_gate)
        {
            // Rank 0 speaks for the learners in metrics.jsonl and on the console; other ranks keep their own file.
            bool lead = Collective.Rank == 0;
            if (_metricsLog is null)
            {
                _metricsLog = lead ? MetricsLog.ForRun(RunDirectory) : new MetricsLog(Path.Combine(RunDirectory, "ranks", $"metrics.rank{Collective.Rank}.jsonl"));
                _bridge = new MetricsBridge(Metrics, _metricsLog);
            }
            return new StageContext(RunDirectory, Device, _metricsLog, lead ? Log : TextWriter.Null, Cancellation);
        }
    }

    private readonly List<Thread> _work = [];

    /// <summary>Starts a long computation (a learner's stage) on its own thread, tracked so shutdown can wait for it.</summary>
    public void StartWork(string name, Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true, Name = name };
        lock (_gate) { _work.RemoveAll(t => !t.IsAlive); _work.Add(thread); }
        thread.Start();
    }

    /// <summary>Waits for running work to reach a step boundary and stop (after cancellation), so no file is half-written.</summary>
    public void WaitForWork(TimeSpan timeout)
    {
        Thread[] running;
        lock (_gate) running = _work.Where(t => t.IsAlive).ToArray();
        var deadline = DateTime.UtcNow + timeout;
        foreach (var t in running) t.Join(Max(deadline - DateTime.UtcNow, TimeSpan.Zero));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public void Dispose()
    {
        _bridge?.Dispose();
        _metricsLog?.Dispose();
        Collective.Dispose();
    }
}
