using ReMiT.Training.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReMiT.Training.Optim;

/// <summary>AdamW hyper-parameters (PyTorch's defaults except weight decay, which PyTorch sets to 0.01 and TorchSharp to 0).</summary>
public sealed record AdamWOptions(double Beta1 = 0.9, double Beta2 = 0.95, double Eps = 1e-8, double WeightDecay = 0.1);

/// <summary>
/// AdamW over flat float32 buffers: every parameter's master copy, gradient and moments live in one
/// contiguous tensor each, so a step is a handful of vectorised, in-place ops whatever the parameter count,
/// gradient clipping is one norm, and data-parallel ranks sync the gradient as one bucket.
/// The model's own parameters may be bfloat16: they are then only a rounded copy of the float32
/// masters, which accumulate the updates (TorchSharp has no autocast, so this is the mixed precision).
/// Weight decay applies to matrices and embeddings (dim ≥ 2), not to norms and biases.
/// <para>
/// Data parallel over a collective of N ranks, <c>zero</c> picks where the state lives. ZeRO 0: every rank holds
/// the whole master and both moments, and <see cref="AverageGradients"/> all-reduces the gradient. ZeRO 1
/// (Rajbhandari et al., "ZeRO", stage 1): rank r holds only its shard of the masters and moments
/// (<see cref="ShardLayout"/>: 1/N of the flat buffer, padded to divide evenly); <see cref="AverageGradients"/>
/// reduce-scatters the gradient, <see cref="Step"/> updates the shard with the same AdamW math — the clipping norm
/// is global, from an all-reduce of the shards' squared norms — and all-gathers the updated masters into the model.
/// Under ZeRO 1 the constructor, <see cref="Step"/>, <see cref="WriteMasterToModel"/>, <see cref="LoadState"/>,
/// <see cref="FullState"/> and <see cref="GatherGradient"/> are collective: every rank calls them, in the same order.
/// With one rank (or no collective) ZeRO 1 is ZeRO 0.
/// </para>
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    private readonly (string Name, Parameter Param, long Offset, long Count)[] _slots;
    private readonly (long Start, long Count)[] _decayRuns; // where weight decay applies in this rank's shard (merged runs)
    private readonly Tensor? _gradientShard; // ZeRO 1: this rank's shard of the averaged gradient
    private readonly AdamWOptions _options;
    private readonly ICollective? _collective;

    /// <summary>One process (or plain data parallelism whose caller averages <see cref="Gradient"/> itself).</summary>
    public FlatAdamW(IEnumerable<(string Name, Parameter Param)> parameters, AdamWOptions options)
        : this(parameters, options, collective: null, zero: 0) { }

    /// <param name="collective">Data-parallel ranks (null: one process).</param>
    /// <param name="zero">0: every rank holds the whole optimizer state; 1: each holds its 1/N shard (ZeRO stage 1).</param>
    public FlatAdamW(IEnumerable<(string Name, Parameter Param)> parameters, AdamWOptions options, ICollective? collective, int zero)
        : this(parameters, options, collective, zero, DataParallel.PieceElements) { }

    /// <param name="maxBucketElements">Most elements one reduce-scatter or all-gather moves (tests make it small to get several buckets).</param>
    internal FlatAdamW(IEnumerable<(string Name, Parameter Param)> parameters, AdamWOptions options, ICollective? collective, int zero,
                       long maxBucketElements)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (zero is not (0 or 1))
            throw new ArgumentOutOfRangeException(nameof(zero), zero, "ZeRO stage must be 0 (whole optimizer state on every rank) or 1 (sharded over the ranks).");
        _options = options;
        var list = parameters.ToArray();
        if (list.Length == 0) throw new ArgumentException("no parameters to optimise.", nameof(parameters));
        var device = list[0].Param.device;
        long offset = 0;
        _slots = new (string, Parameter, long, long)[list.Length];
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i].Param.device.type != device.type || list[i].Param.device.index != device.index)
                throw new ArgumentException($"parameter '{list[i].Name}' is on {list[i].Param.device}, the others on {device}.", nameof(parameters));
            long n = list[i].Param.numel();
            _slots[i] = (list[i].Name, list[i].Param, offset, n);
            offset += n;
        }

        IsSharded = zero == 1 && DataParallel.IsDistributed(collective);
        _collective = collective;
        Rank = IsSharded ? collective!.Rank : 0;
        Layout = new ShardLayout(offset, IsSharded ? collective!.Size : 1, maxBucketElements);

        // The padded flat buffer first holds the parameters, so the shard can be cut from it: under ZeRO 1 only
        // after rank 0's copy has been broadcast, which is how every rank starts from rank 0's weights.
        Gradient = zeros(Layout.PaddedLength, ScalarType.Float32, device).MoveToOuterDisposeScope();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (var (_, param, at, count) in _slots)
                Gradient.narrow(0, at, count).copy_(param.detach().reshape(-1));
            if (IsSharded)
            {
                DataParallel.Broadcast(Gradient, collective, root: 0);
                CopyFullIntoModel(Gradient);
            }
        }
        Master = zeros(Layout.ShardLength, ScalarType.Float32, device).MoveToOuterDisposeScope();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (var (flat, shard, count) in Layout.Segments(Rank))
                Master.narrow(0, shard, count).copy_(Gradient.narrow(0, flat, count));
            Gradient.zero_();
        }
        _decayRuns = DecayRuns();
        ExpAvg = zeros_like(Master).MoveToOuterDisposeScope();
        ExpAvgSq = zeros_like(Master).MoveToOuterDisposeScope();
        _gradientShard = IsSharded ? zeros_like(Master).MoveToOuterDisposeScope() : null;
    }

    /// <summary>True under ZeRO 1 with more than one rank: this rank holds only its shard of the state.</summary>
    public bool IsSharded { get; }

    /// <summary>How the flat buffer is cut over the ranks (one shard, the whole buffer, when not sharded).</summary>
    internal ShardLayout Layout { get; }

    private int Rank { get; }

    /// <summary>Float32 master weights: all parameters end to end, or this rank's shard of them under ZeRO 1.</summary>
    public Tensor Master { get; }

    /// <summary>
    /// Float32 gradient buffer of every parameter end to end (padded under ZeRO 1), filled by <see cref="GatherGradients"/>.
    /// Under ZeRO 1 it is also where <see cref="Step"/> all-gathers the updated masters, so after a step it no longer
    /// holds the gradient (<see cref="GatherGradient"/> gives the averaged one).
    /// </summary>
    public Tensor Gradient { get; }

    /// <summary>Adam's first moment, the same size as <see cref="Master"/>.</summary>
    public Tensor ExpAvg { get; }

    /// <summary>Adam's second moment, the same size as <see cref="Master"/>.</summary>
    public Tensor ExpAvgSq { get; }

    /// <summary>Optimizer steps taken (for bias correction; saved in checkpoints).</summary>
    public long StepCount { get; set; }

    /// <summary>Parameters of the model (the unpadded flat length, on every rank).</summary>
    public long ParameterCount => Layout.Length;

    /// <summary>Copies every parameter's gradient into <see cref="Gradient"/> (zero where a parameter got none).</summary>
    public void GatherGradients()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (_, param, offset, count) in _slots)
        {
            var slice = Gradient.narrow(0, offset, count);
            if (param.grad is { } g) slice.copy_(g.reshape(-1));
            else slice.zero_();
        }
    }

    /// <summary>
    /// Averages the gathered gradient over the ranks: an all-reduce of <see cref="Gradient"/> (ZeRO 0), or a
    /// reduce-scatter that leaves this rank only its shard of the average (ZeRO 1). Nothing with one process.
    /// </summary>
    public void AverageGradients()
    {
        if (IsSharded) DataParallel.ReduceScatterAverage(Gradient, _gradientShard!, Layout, _collective!);
        else DataParallel.AllReduceAverage(Gradient, _collective);
    }

    /// <summary>
    /// Clips the averaged gradient to <paramref name="maxNorm"/> (≤ 0: no clipping) and takes one AdamW step
    /// at learning rate <paramref name="lr"/>; writes the result back into the model's parameters and
    /// clears their gradients. Returns the global gradient norm before clipping as a 0-dim tensor, so the
    /// caller decides when to pay for the host sync (under ZeRO 1 the norm's all-reduce has paid it already).
    /// The only temporary the size of the state is Adam's denominator.
    /// </summary>
    public Tensor Step(double lr, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var gradient = _gradientShard ?? Gradient;
        var norm = gradient.norm();
        if (IsSharded)
        {
            // ‖g‖² is the sum of the shards' ‖g_r‖² (padding is zero): one float all-reduced.
            norm = norm.square().reshape(1);
            DataParallel.AllReduceSum(norm, _collective);
            norm = norm.sqrt().squeeze();
        }
        if (maxNorm > 0)
            gradient.mul_((maxNorm / (norm + 1e-6)).clamp_max(1.0));

        StepCount++;
        double b1 = _options.Beta1, b2 = _options.Beta2;
        if (_options.WeightDecay != 0)
            foreach (var (start, count) in _decayRuns)
                Master.narrow(0, start, count).mul_(1.0 - lr * _options.WeightDecay);   // decoupled weight decay, as torch's AdamW
        ExpAvg.mul_(b1).add_(gradient, alpha: 1 - b1);
        ExpAvgSq.mul_(b2).addcmul_(gradient, gradient, value: 1 - b2);
        double bias1 = 1 - Math.Pow(b1, StepCount), bias2 = 1 - Math.Pow(b2, StepCount);
        var denom = ExpAvgSq.sqrt().div_(Math.Sqrt(bias2)).add_(_options.Eps);
        Master.addcdiv_(ExpAvg, denom, value: -lr / bias1);

        WriteMasterToModel();
        foreach (var (_, param, _, _) in _slots) param.grad?.zero_();
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Copies the master weights into the model (after loading optimizer state); rounds to the model's dtype.
    /// Under ZeRO 1 the shards are all-gathered through <see cref="Gradient"/> first.
    /// </summary>
    public void WriteMasterToModel()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (IsSharded)
        {
            DataParallel.AllGather(Master, Gradient, Layout, _collective!);
            CopyFullIntoModel(Gradient);
        }
        else CopyFullIntoModel(Master);
    }

    /// <summary>The checkpoint's names of the state buffers, in the order a checkpoint file holds them (see <see cref="FullState"/>).</summary>
    public static IReadOnlyList<string> StateNames { get; } = ["exp_avg", "exp_avg_sq", "master"];

    /// <summary>
    /// One state buffer (<see cref="StateNames"/>) in the full flat layout of one process — every parameter end to end,
    /// no padding — whatever the sharding: what a checkpoint holds, so a run resumes on any rank count. Without sharding
    /// a view of the buffer itself; under ZeRO 1 the shards all-gathered into <see cref="Gradient"/> (collective, no
    /// allocation), so the view is valid only until the next call or step.
    /// </summary>
    public Tensor FullState(string name)
    {
        var buffer = Buffer(name);
        if (!IsSharded) return buffer.narrow(0, 0, ParameterCount);
        DataParallel.AllGather(buffer, Gradient, Layout, _collective!);
        return Gradient.narrow(0, 0, ParameterCount);
    }

    /// <summary>
    /// Loads a state saved in the full flat layout (<see cref="FullState"/>'s, from any rank count), one buffer at a time:
    /// <paramref name="readInto"/> fills a contiguous float32 CPU tensor of <see cref="ParameterCount"/> elements with the
    /// buffer of that name (<see cref="StateNames"/>). It reads straight into the buffer when unsharded on CPU, and under
    /// ZeRO 1 into the gradient bucket, of which this rank keeps its shard; the masters are then written into the model.
    /// </summary>
    public void LoadState(Action<string, Tensor> readInto, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(readInto);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            foreach (string name in StateNames)
            {
                var buffer = Buffer(name);
                var full = (IsSharded ? Gradient : buffer).narrow(0, 0, ParameterCount);
                var host = full.device_type == DeviceType.CPU ? full : empty(ParameterCount, ScalarType.Float32, CPU);
                readInto(name, host);
                if (IsSharded)
                    foreach (var (at, shard, count) in Layout.Segments(Rank))
                        buffer.narrow(0, shard, count).copy_(host.narrow(0, at, count));
                else if (!ReferenceEquals(host, full))
                    full.copy_(host);
            }
        }
        StepCount = stepCount;
        WriteMasterToModel();
    }

    /// <summary>
    /// The averaged (and, after <see cref="Step"/>, clipped) gradient in the full flat layout, as a new tensor: a copy of
    /// <see cref="Gradient"/>, or under ZeRO 1 the shards all-gathered (collective). For tests and benchmarks.
    /// </summary>
    public Tensor GatherGradient()
    {
        if (!IsSharded) return Gradient.narrow(0, 0, ParameterCount).clone();
        using var full = empty(Layout.PaddedLength, ScalarType.Float32, Gradient.device);
        DataParallel.AllGather(_gradientShard!, full, Layout, _collective!);
        return full.narrow(0, 0, ParameterCount); // the view keeps the storage
    }

    private Tensor Buffer(string name) => name switch
    {
        "master" => Master,
        "exp_avg" => ExpAvg,
        "exp_avg_sq" => ExpAvgSq,
        _ => throw new ArgumentException($"'{name}' is not an optimizer state buffer; expected one of {string.Join(", ", StateNames)}.", nameof(name)),
    };

    // The shard ranges of matrices and embeddings (dim ≥ 2), adjacent ones merged: a mask would cost 4 bytes per parameter.
    private (long Start, long Count)[] DecayRuns()
    {
        var runs = new List<(long Start, long Count)>();
        foreach (var (_, param, at, count) in _slots)
        {
            if (param.dim() < 2) continue;
            foreach (var (_, shard, run) in Layout.Owned(Rank, at, count))
            {
                if (runs.Count > 0 && runs[^1].Start + runs[^1].Count == shard) runs[^1] = (runs[^1].Start, runs[^1].Count + run);
                else runs.Add((shard, run));
            }
        }
        return [.. runs];
    }

    private void CopyFullIntoModel(Tensor full)
    {
        foreach (var (_, param, offset, count) in _slots)
            param.copy_(full.narrow(0, offset, count).view(param.shape));   // rounds to bf16 when the model is bf16
    }

    public void Dispose()
    {
        Master.Dispose(); Gradient.Dispose(); ExpAvg.Dispose(); ExpAvgSq.Dispose(); _gradientShard?.Dispose();
    }
}
