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
/// (<see cref="ShardLayout"/>: 1/N of the flat buffer, padded to divide evenly), and no rank holds a full-size
/// float32 buffer: <see cref="AverageGradients"/> copies the parameters' gradients one bucket at a time
/// (<see cref="ZeroBucketElements"/>) into a bucket-sized staging buffer and reduce-scatters each bucket into this
/// rank's gradient shard; <see cref="Step"/> updates the shard with the same AdamW math — the clipping norm is global,
/// from an all-reduce of the shards' squared norms — and all-gathers the updated masters into the model bucket by
/// bucket, in the model's dtype (bfloat16 values are the masters rounded before the gather instead of after it: the
/// same bits, half the bytes).
/// Under ZeRO 1 the constructor, <see cref="AverageGradients"/>, <see cref="Step"/>, <see cref="WriteMasterToModel"/>,
/// <see cref="LoadState"/>, <see cref="FullState"/>, <see cref="GatherState"/> and <see cref="GatherGradient"/> are collective: every rank calls them, in the same order.
/// With one rank (or no collective) ZeRO 1 is ZeRO 0.
/// </para>
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    private readonly (string Name, Parameter Param, long Offset, long Count)[] _slots;
    private readonly (long Start, long Count)[] _decayRuns; // where weight decay applies in this rank's shard (merged runs)
    private readonly Tensor? _bucket;   // ZeRO 1: float32 staging for one bucket (gradients in, broadcasts, state gathers)
    private readonly Tensor? _bucket16; // ZeRO 1 with a bfloat16 model: the parameters' all-gather staging
    private readonly AdamWOptions _options;
    private readonly ICollective? _collective;

    /// <summary>One process (or plain data parallelism whose caller averages <see cref="Gradient"/> itself).</summary>
    public FlatAdamW(IEnumerable<(string Name, Parameter Param)> parameters, AdamWOptions options)
        : this(parameters, options, collective: null, zero: 0) { }

    /// <param name="collective">Data-parallel ranks (null: one process).</param>
    /// <param name="zero">0: every rank holds the whole optimizer state; 1: each holds its 1/N shard (ZeRO stage 1).</param>
    public FlatAdamW(IEnumerable<(string Name, Parameter Param)> parameters, AdamWOptions options, ICollective? collective, int zero)
        : this(parameters, options, collective, zero, ZeroBucketElements) { }

    /// <summary>
    /// Most elements of one ZeRO-1 bucket, and so of the staging buffer that replaces a full-size gradient copy:
    /// 2^22 (16 MiB of float32). Open MPI 4.1.4 on our 2-core machine moves a 16 MiB reduce-scatter at 3.6 GB/s bus
    /// bandwidth and a 64 MiB one at 0.07 (the all-reduce's cliff between 24 and 32 MiB per call; bench/RESULTS.md,
    /// "Collectives on a quiet machine"); MPI's per-call latency (tens of microseconds) is nothing next to a 16 MiB transfer.
    /// </summary>
    public const long ZeroBucketElements = 1L << 22;

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
            if (!list[i].Param.is_contiguous())
                throw new ArgumentException($"parameter '{list[i].Name}' is not contiguous; the optimizer writes it through a flat view.", nameof(parameters));
            long n = list[i].Param.numel();
            _slots[i] = (list[i].Name, list[i].Param, offset, n);
            offset += n;
        }

        IsSharded = zero == 1 && DataParallel.IsDistributed(collective);
        _collective = collective;
        Rank = IsSharded ? collective!.Rank : 0;
        Layout = new ShardLayout(offset, IsSharded ? collective!.Size : 1, maxBucketElements);

        Master = zeros(Layout.ShardLength, ScalarType.Float32, device).MoveToOuterDisposeScope();
        if (IsSharded)
        {
            long bucketLength = Layout.Buckets.Max(b => b.Block) * Layout.Ranks;
            _bucket = zeros(bucketLength, ScalarType.Float32, device).MoveToOuterDisposeScope();
            if (_slots.All(slot => slot.Param.dtype == ScalarType.BFloat16))
                _bucket16 = zeros(bucketLength, ScalarType.BFloat16, device).MoveToOuterDisposeScope();
            Gradient = zeros_like(Master).MoveToOuterDisposeScope();
            // Every rank starts from rank 0's weights: each bucket of them is broadcast, written into the model, and
            // this rank keeps its block as its masters (the one moment a full copy would otherwise be needed).
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var (start, block, shardOffset) in Layout.Buckets)
            {
                var bucket = _bucket.narrow(0, 0, block * Layout.Ranks);
                ReadParameters(bucket, start, param => param);
                DataParallel.Broadcast(bucket, collective, root: 0);
                WriteParameters(bucket, start);
                Master.narrow(0, shardOffset, block).copy_(bucket.narrow(0, Rank * block, block));
            }
        }
        else
        {
            Gradient = zeros(Layout.Length, ScalarType.Float32, device).MoveToOuterDisposeScope();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            ReadParameters(Master, 0, param => param);
        }
        _decayRuns = DecayRuns();
        ExpAvg = zeros_like(Master).MoveToOuterDisposeScope();
        ExpAvgSq = zeros_like(Master).MoveToOuterDisposeScope();
    }

    /// <summary>True under ZeRO 1 with more than one rank: this rank holds only its shard of the state.</summary>
    public bool IsSharded { get; }

    /// <summary>How the flat buffer is cut over the ranks (one shard, the whole buffer, when not sharded).</summary>
    internal ShardLayout Layout { get; }

    private int Rank { get; }

    /// <summary>Elements of the ZeRO-1 staging buffer (one bucket; 0 unsharded): the only full-layout gradient memory a rank keeps.</summary>
    internal long StagingElements => _bucket?.numel() ?? 0;

    /// <summary>True when ZeRO 1 all-gathers the parameters in bfloat16 (every parameter of the model is bfloat16).</summary>
    internal bool GathersInBfloat16 => _bucket16 is not null;

    /// <summary>Float32 master weights: all parameters end to end, or this rank's shard of them under ZeRO 1.</summary>
    public Tensor Master { get; }

    /// <summary>
    /// The float32 gradient <see cref="Step"/> uses, the same size as <see cref="Master"/>: every parameter end to end,
    /// filled by <see cref="GatherGradients"/> (ZeRO 0), or this rank's shard of the average, filled by
    /// <see cref="AverageGradients"/> (ZeRO 1; <see cref="GatherGradient"/> gathers the whole).
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

    /// <summary>
    /// Copies every parameter's gradient into <see cref="Gradient"/> (zero where a parameter got none). Under ZeRO 1
    /// nothing: <see cref="AverageGradients"/> reads the parameters' gradients itself, one bucket at a time.
    /// </summary>
    public void GatherGradients()
    {
        if (IsSharded) return;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        ReadParameters(Gradient, 0, param => param.grad);
    }

    /// <summary>
    /// Averages the gradient over the ranks: an all-reduce of the gathered <see cref="Gradient"/> (ZeRO 0), or, bucket
    /// by bucket, the parameters' gradients copied into the staging buffer and reduce-scattered, which leaves this rank
    /// only its shard of the average (ZeRO 1). Nothing with one process.
    /// </summary>
    public void AverageGradients()
    {
        if (!IsSharded)
        {
            DataParallel.AllReduceAverage(Gradient, _collective);
            return;
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (start, block, shardOffset) in Layout.Buckets)
        {
            var bucket = _bucket!.narrow(0, 0, block * Layout.Ranks);
            ReadParameters(bucket, start, param => param.grad);
            DataParallel.ReduceScatterAverage(bucket, Gradient.narrow(0, shardOffset, block), _collective!);
        }
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
        var gradient = Gradient;
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
    /// Under ZeRO 1 the shards are all-gathered bucket by bucket through the staging buffer, in bfloat16 when the
    /// model is: each rank rounds its block first, which gives the bits rounding after a float32 gather would.
    /// </summary>
    public void WriteMasterToModel()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (!IsSharded)
        {
            WriteParameters(Master, 0);
            return;
        }
        foreach (var (start, block, shardOffset) in Layout.Buckets)
        {
            var staging = (_bucket16 ?? _bucket!).narrow(0, 0, block * Layout.Ranks);
            var mine = Master.narrow(0, shardOffset, block);
            DataParallel.AllGather(_bucket16 is null ? mine : mine.to(ScalarType.BFloat16), staging, _collective!);
            WriteParameters(staging, start);
        }
    }

    /// <summary>The checkpoint's names of the state buffers, in the order a checkpoint file holds them (see <see cref="FullState"/>).</summary>
    public static IReadOnlyList<string> StateNames { get; } = ["exp_avg", "exp_avg_sq", "master"];

    /// <summary>
    /// One state buffer (<see cref="StateNames"/>) in the full flat layout of one process — every parameter end to end,
    /// no padding — whatever the sharding: what a checkpoint holds, so a run resumes on any rank count. Without sharding
    /// a view of the buffer itself; under ZeRO 1 a new tensor of 4 bytes per parameter that the shards are gathered into
    /// (collective: every rank calls it; <see cref="GatherState"/> gathers without the allocation).
    /// </summary>
    public Tensor FullState(string name)
    {
        var buffer = Buffer(name);
        if (!IsSharded) return buffer.narrow(0, 0, ParameterCount);
        var full = empty(ParameterCount, ScalarType.Float32, buffer.device);
        GatherState(name, full);
        return full;
    }

    /// <summary>
    /// Under ZeRO 1, all-gathers state buffer <paramref name="name"/> bucket by bucket through the staging buffer and,
    /// when <paramref name="into"/> is given (a float32 tensor of <see cref="ParameterCount"/>), copies each bucket's
    /// real elements there. Collective: every rank calls it in the same order, and only the one that writes passes
    /// <paramref name="into"/>, so the others allocate nothing.
    /// </summary>
    internal void GatherState(string name, Tensor? into)
    {
        if (!IsSharded) throw new InvalidOperationException("GatherState is ZeRO 1's; an unsharded optimizer's FullState is a view of its buffer.");
        GatherShards(Buffer(name), into);
    }

    /// <summary>
    /// Loads a state saved in the full flat layout (<see cref="FullState"/>'s, from any rank count), one buffer at a time:
    /// <paramref name="readInto"/> fills a contiguous float32 CPU tensor of <see cref="ParameterCount"/> elements with the
    /// buffer of that name (<see cref="StateNames"/>). It reads straight into the buffer when unsharded on CPU; under
    /// ZeRO 1 into one host buffer of 4 bytes per parameter, reused for the three and freed on return, of which this rank
    /// keeps its shard. The masters are then written into the model.
    /// </summary>
    public void LoadState(Action<string, Tensor> readInto, long stepCount)
    {
        ArgumentNullException.ThrowIfNull(readInto);
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var shared = IsSharded ? empty(ParameterCount, ScalarType.Float32, CPU) : null;
            foreach (string name in StateNames)
            {
                var buffer = Buffer(name);
                if (shared is not null)
                {
                    readInto(name, shared);
                    foreach (var (at, shard, count) in Layout.Segments(Rank))
                        buffer.narrow(0, shard, count).copy_(shared.narrow(0, at, count));
                    continue;
                }
                var host = buffer.device_type == DeviceType.CPU ? buffer : empty(ParameterCount, ScalarType.Float32, CPU);
                readInto(name, host);
                if (!ReferenceEquals(host, buffer)) buffer.copy_(host);
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
        if (!IsSharded) return Gradient.clone();
        var full = empty(ParameterCount, ScalarType.Float32, Gradient.device);
        GatherShards(Gradient, full);
        return full;
    }

    // All-gathers a shard-sized float32 buffer bucket by bucket through the staging buffer; into (unpadded, full
    // length) receives the real elements when given.
    private void GatherShards(Tensor shard, Tensor? into)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (start, block, shardOffset) in Layout.Buckets)
        {
            var bucket = _bucket!.narrow(0, 0, block * Layout.Ranks);
            DataParallel.AllGather(shard.narrow(0, shardOffset, block), bucket, _collective!);
            long real = Math.Min(bucket.numel(), Layout.Length - start);
            into?.narrow(0, start, real).copy_(bucket.narrow(0, 0, real));
        }
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

    // Fills flat with the parameters' (or their gradients') values over the flat range [start, start + flat.numel()):
    // zero where pick gives nothing and past the last parameter (the padding).
    private void ReadParameters(Tensor flat, long start, Func<Parameter, Tensor?> pick)
    {
        long end = start + flat.numel();
        if (end > Layout.Length) flat.narrow(0, Layout.Length - start, end - Layout.Length).zero_();
        foreach (var (_, param, offset, count) in _slots)
        {
            long from = Math.Max(offset, start), to = Math.Min(offset + count, end);
            if (to <= from) continue;
            var slice = flat.narrow(0, from - start, to - from);
            if (pick(param) is { } source) slice.copy_(source.detach().reshape(-1).narrow(0, from - offset, to - from));
            else slice.zero_();
        }
    }

    // Writes flat's values over [start, start + flat.numel()) into the parameters there; rounds to the model's dtype.
    private void WriteParameters(Tensor flat, long start)
    {
        long end = start + flat.numel();
        foreach (var (_, param, offset, count) in _slots)
        {
            long from = Math.Max(offset, start), to = Math.Min(offset + count, end);
            if (to <= from) continue;
            param.view(-1).narrow(0, from - offset, to - from).copy_(flat.narrow(0, from - start, to - from));
        }
    }

    public void Dispose()
    {
        Master.Dispose(); Gradient.Dispose(); ExpAvg.Dispose(); ExpAvgSq.Dispose(); _bucket?.Dispose(); _bucket16?.Dispose();
    }
}
