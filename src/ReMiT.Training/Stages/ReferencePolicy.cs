using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Flywheel;
using static TorchSharp.torch;

namespace ReMiT.Training.Stages;

/// <summary>
/// The frozen π_ref of GRPO's KL penalty: the RL stage's starting model, loaded beside the policy,
/// in eval mode with gradients off, so the k3 term pulls towards where the stage began.
/// </summary>
public static class ReferencePolicy
{
    /// <summary>The model in <paramref name="modelDir"/>, frozen, when <c>rl.kl_beta</c> &gt; 0; otherwise null (no memory spent).</summary>
    public static DecoderModel? LoadIfNeeded(RlSection cfg, string modelDir, Device device)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        if (!(cfg.KlBeta > 0)) return null;
        var model = HfCheckpoint.Load(modelDir, device);
        Freeze(model);
        return model;
    }

    /// <summary>Eval mode and no gradients: the reference only ever runs forward.</summary>
    public static void Freeze(DecoderModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
    }
}
