using ReMiT.Model;
using ReMiT.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Optim;

public sealed class FlatAdamWTests
{
    private static readonly DecoderConfig Config = ModelPresets.Get("smoke").Config with { VocabSize = 101 };

    private static Tensor Loss(DecoderModel model, Tensor tokens)
    {
        var logits = model.Forward(tokens[.., ..^1]);
        return nn.functional.cross_entropy(logits.reshape(-1, Config.VocabSize).to(ScalarType.Float32), tokens[.., 1..].reshape(-1));
    }

    [Fact]
    public void Step_Float32_MatchesTorchAdamWWithDecayGroups()
    {
        using var reference = new DecoderModel(Config);
        reference.InitializeWeights(seed: 1);
        using var flat = new DecoderModel(Config);
        flat.load_state_dict(reference.state_dict());

        var decay = reference.parameters().Where(p => p.dim() >= 2).ToArray();
        var noDecay = reference.parameters().Where(p => p.dim() < 2).ToArray();
        using var adamDecay = optim.AdamW(decay, lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1);
        using var adamNoDecay = optim.AdamW(noDecay, lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.0);
        using var ours = new FlatAdamW(flat.named_parameters(), new AdamWOptions(0.9, 0.95, 1e-8, 0.1));

        var generator = new Generator(5);
        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            var tokens = randint(0, Config.VocabSize, [4, 33], generator: generator);
            Loss(reference, tokens).backward();
            var refNorm = nn.utils.clip_grad_norm_(reference.parameters(), 0.5);
            adamDecay.step(); adamNoDecay.step();
            adamDecay.zero_grad(); adamNoDecay.zero_grad();

            Loss(flat, tokens).backward();
            ours.GatherGradients();
            double norm = ours.Step(3e-3, 0.5).item<float>();
            Assert.Equal(refNorm, norm, 4);
        }
        var expected = reference.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in flat.named_parameters())
        {
            double diff = (p - expected[name]).abs().max().item<float>();
            Assert.True(diff < 1e-5, $"{name}: max |Δ| = {diff}");
        }
    }

    [Fact]
    public void Step_Bfloat16Model_KeepsFloat32MastersAndLearns()
    {
        using var model = new DecoderModel(Config);
        model.InitializeWeights(seed: 2);
        model.to(ScalarType.BFloat16);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        Assert.Equal(ScalarType.Float32, optimizer.Master.dtype);

        var tokens = randint(0, Config.VocabSize, [8, 17], generator: new Generator(3));
        double first = 0, last = 0;
        for (int step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            var loss = Loss(model, tokens);
            if (step == 0) first = loss.to(ScalarType.Float32).item<float>();
            last = loss.to(ScalarType.Float32).item<float>();
            loss.backward();
            optimizer.GatherGradients();
            optimizer.Step(1e-2, 1.0);
        }
        Assert.True(last < first * 0.7, $"loss {first} -> {last}: a bf16 model with fp32 masters should fit one batch");
        // every bf16 parameter is exactly its master rounded to bf16
        long offset = 0;
        foreach (var p in model.parameters())
        {
            var master = optimizer.Master.narrow(0, offset, p.numel()).view(p.shape);
            Assert.True(master.to(ScalarType.BFloat16).eq(p).all().item<bool>(), "model parameter is not the rounded master");
            Assert.True(p.grad is null || p.grad.abs().sum().to(ScalarType.Float32).item<float>() == 0, "gradients are cleared after a step");
            offset += p.numel();
        }
    }

    [Fact]
    public void Constructor_NoParameters_Throws() =>
        Assert.Throws<ArgumentException>(() => new FlatAdamW([], new AdamWOptions()));
}
