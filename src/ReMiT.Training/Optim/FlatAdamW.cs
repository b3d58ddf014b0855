using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReMiT.Training.Optim;

/// <summary>AdamW hyper-parameters (PyTorch's defaults except weight decay, which PyTorch sets to 0.01 and TorchSharp to 0).</summary>
public sealed record AdamWOptions(double Beta1 = 0.9, double Beta2 = 0.95, double Eps = 1e-8, double WeightDecay = 0.1);

/// <summary>
/// AdamW over flat float32 buffers: every parameter's master copy, gradient and moments live in one
/// contiguous tensor each, so a step is a handful of vectorised ops whatever the parameter count,
/// gradient clipping is one norm, and data-parallel ranks can all-reduce the gradient as one bucket.
/// The model's own parameters may be bfloat16: they are then only a rounded copy of the float32
/// masters, which accumulate the updates (TorchSharp has no autocast, so this is the mixed precision).
/// Weight decay applies to matrices and embeddings (dim ≥ 2), not to norms and biases.
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    private readonly (string Name, Parameter Param, long Offset, long Count)[] _slots;
    private readonly Tensor _decay;   // 1 where weight decay applies, else 0
    private readonly AdamWOptions _options;

    public FlatAdamW(IEnumerable<(string Name, Parameter Param)> parameters, AdamWOptions options)
    {
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
        using (no_grad())
        {
            Master = cat(list.Select(p => p.Param.detach().flatten().to(ScalarType.Float32)).ToArray()).MoveToOuterDisposeScope();
            _decay = cat(list.Select(p => full(p.Param.numel(), p.Param.dim() >= 2 ? 1.0f : 0.0f, device: device)).ToArray()).MoveToOuterDisposeScope();
        }
        Gradient = zeros_like(Master).MoveToOuterDisposeScope();
        ExpAvg = zeros_like(Master).MoveToOuterDisposeScope();
        ExpAvgSq = zeros_like(Master).MoveToOuterDisposeScope();
    }

    /// <summary>Float32 master weights, all parameters end to end.</summary>
    public Tensor Master { get; }

    /// <summary>Float32 gradient buffer filled by <see cref="GatherGradients"/> (the all-reduce bucket).</summary>
    public Tensor Gradient { get; }

    public Tensor ExpAvg { get; }
    public Tensor ExpAvgSq { get; }

    /// <summary>Optimizer steps taken (for bias correction; saved in checkpoints).</summary>
    public long StepCount { get; set; }

    public long ParameterCount => Master.numel();

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
    /// Clips <see cref="Gradient"/> to <paramref name="maxNorm"/> (≤ 0: no clipping) and takes one AdamW step
    /// at learning rate <paramref name="lr"/>; writes the result back into the model's parameters and
    /// clears their gradients. Returns the gradient norm before clipping as a 0-dim tensor, so the
    /// caller decides when to pay for the host sync.
    /// </summary>
    public Tensor Step(double lr, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var norm = Gradient.norm();
        if (maxNorm > 0)
            Gradient.mul_((maxNorm / (norm + 1e-6)).clamp_max(1.0));

        StepCount++;
        double b1 = _options.Beta1, b2 = _options.Beta2;
        Master.mul_(1.0 - lr * _options.WeightDecay * _decay);                 // decoupled weight decay
        ExpAvg.mul_(b1).add_(Gradient, alpha: 1 - b1);
        ExpAvgSq.mul_(b2).addcmul_(Gradient, Gradient, value: 1 - b2);
        double bias1 = 1 - Math.Pow(b1, StepCount), bias2 = 1 - Math.Pow(b2, StepCount);
        var denom = (ExpAvgSq.sqrt() / Math.Sqrt(bias2)).add_(_options.Eps);
        Master.addcdiv_(ExpAvg, denom, value: -lr / bias1);

        foreach (var (_, param, offset, count) in _slots)
        {
            param.copy_(Master.narrow(0, offset, count).view(param.shape));    // rounds to bf16 when the model is bf16
            param.grad?.zero_();
        }
        return norm.MoveToOuterDisposeScope();
    }

    /// <summary>Copies the master weights into the model (after loading optimizer state from a checkpoint).</summary>
    public void WriteMasterToModel()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (_, param, offset, count) in _slots)
            param.copy_(Master.narrow(0, offset, count).view(param.shape));
    }

    public void Dispose()
    {
        Master.Dispose(); Gradient.Dispose(); ExpAvg.Dispose(); ExpAvgSq.Dispose(); _decay.Dispose();
    }
}
