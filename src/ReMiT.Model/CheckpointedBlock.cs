using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>
/// Activation checkpointing of one <see cref="DecoderBlock"/> (what torch.utils.checkpoint does with
/// use_reentrant=True; TorchSharp has no such helper). Forward runs the block without autograd and keeps
/// only its input and the rotary tables (and mask): none of the block's intermediate activations stay alive.
/// Backward recomputes the block from that input with autograd on and backpropagates the incoming gradient
/// through the recomputation, which accumulates the block's parameter gradients directly (the nested
/// backward reaches them as leaves) and yields the gradient for the block's input, handed back to the outer
/// graph. The recomputation runs the same kernels on the same values, so gradients equal the plain ones
/// (the decoder has no dropout or other randomness to replay).
/// </summary>
internal sealed class CheckpointedBlock : autograd.SingleTensorFunction<CheckpointedBlock>
{
    private const string BlockKey = "block", ReturnedKey = "returned";

    public override string Name => nameof(CheckpointedBlock);

    /// <summary>
    /// The block's output for <paramref name="x"/> (B, T, d); see <see cref="DecoderBlock.Forward"/>. Only valid
    /// without a KV cache. <paramref name="x"/> must require grad, or autograd never calls the backward and the
    /// block's parameters get no gradient (the caller runs such a block plainly).
    /// </summary>
    public static Tensor Run(DecoderBlock block, Tensor x, Tensor cos, Tensor sin, Tensor? mask, ReturnedGradients returned) =>
        apply(x, cos, sin, mask!, block, returned);

    // vars: x, cos, sin, mask (or null), block, returned — the order of Run's call to apply.
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var cos = (Tensor)vars[1];
        var sin = (Tensor)vars[2];
        var mask = vars[3] as Tensor;
        var block = (DecoderBlock)vars[4];
        // Saved through autograd (not held in managed fields) so they outlive the caller's dispose scope.
        ctx.save_for_backward([x, cos, sin, mask!]);
        ctx.save_data(BlockKey, block);
        ctx.save_data(ReturnedKey, vars[5]);
        return block.Forward(x, cos, sin, mask, cache: null); // autograd is off here (Function.apply)
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var block = (DecoderBlock)ctx.get_data(BlockKey);
        var returned = (ReturnedGradients)ctx.get_data(ReturnedKey);
        Tensor inputGrad;
        using (var scope = NewDisposeScope())
        using (enable_grad()) // the engine runs backward functions with autograd off
        {
            var saved = ctx.get_saved_variables();
            var x = saved[0].detach().requires_grad_(true);                      // (B, T, d), a leaf of the recomputation
            var y = block.Forward(x, saved[1], saved[2], saved[3], cache: null);  // (B, T, d)
            y.backward([gradOutput]);  // accumulates into the block's parameters' .grad and x.grad
            inputGrad = x.grad!.DetachFromDisposeScope();
        }
        returned.Replace(inputGrad);
        // One entry per argument of apply: only x gets a gradient (cos, sin and mask are constants).
        return [inputGrad, null!, null!, null!, null!, null!];
    }
}
