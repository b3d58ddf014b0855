using System.Text.Json.Nodes;
using ReMiT.Model.Checkpoints;
using ReMiT.Tests.Shared;
using static TorchSharp.torch;

namespace ReMiT.Model.Tests;

/// <summary>Parity with tiny random models saved by Hugging Face transformers 5.17 (tests/fixtures/hf-reference).</summary>
public sealed class HfReferenceTests
{
    private static JsonObject Reference(string model) =>
        JsonNode.Parse(File.ReadAllText(RepoPaths.Fixture("hf-reference", model, "reference.json")))!.AsObject();

    private static long[][] Rows(JsonNode node) =>
        node.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<long>()).ToArray()).ToArray();

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Forward_Float32_NextTokenLogProbsWithin1e4AndLogitsMatch(string name)
    {
        var reference = Reference(name);
        long[][] ids = Rows(reference["input_ids"]!);
        using var model = HfCheckpoint.Load(RepoPaths.Fixture("hf-reference", name));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();

        var input = tensor(ids.SelectMany(r => r).ToArray(), [ids.Length, ids[0].Length]);
        var logits = model.Forward(input);                                                   // (B, T, V)
        var expectedLogits = tensor(reference["logits"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray())
            .reshape(logits.shape);
        double logitError = (logits - expectedLogits).abs().max().item<float>();
        Assert.True(logitError < 1e-4, $"{name}: max |Δlogit| = {logitError}");

        // log p(x_{t+1} | x_≤t) for every position
        var logp = logits.log_softmax(-1)[.., ..^1, ..].gather(-1, input[.., 1..].unsqueeze(-1)).squeeze(-1);
        var expected = tensor(reference["next_token_logprobs"]!.AsArray()
            .SelectMany(r => r!.AsArray().Select(v => v!.GetValue<float>())).ToArray()).reshape(logp.shape);
        double error = (logp - expected).abs().max().item<float>();
        Assert.True(error <= 1e-4, $"{name}: max |Δlogprob| = {error}");
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void Generate_Greedy_IdenticalContinuations(string name)
    {
        var reference = Reference(name);
        int[][] prompts = Rows(reference["greedy_prompt"]!).Select(r => r.Select(v => (int)v).ToArray()).ToArray();
        int[][] expected = Rows(reference["greedy_continuation"]!).Select(r => r.Select(v => (int)v).ToArray()).ToArray();
        using var model = HfCheckpoint.Load(RepoPaths.Fixture("hf-reference", name));

        var completions = GenerationEngine.Generate(model, prompts,
            new GenerationOptions(expected.Max(e => e.Length), new SamplingOptions(Temperature: 0)));

        for (int i = 0; i < prompts.Length; i++)
            Assert.Equal(expected[i], completions[i].TokenIds);
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    public void SaveThenLoad_IsBitExactAndKeepsConfig(string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"remit-ckpt-{Guid.NewGuid():N}");
        try
        {
            using var model = HfCheckpoint.Load(RepoPaths.Fixture("hf-reference", name));
            HfCheckpoint.Save(model, dir);
            using var again = HfCheckpoint.Load(dir);
            Assert.Equal(model.Config, again.Config);
            var a = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (n, p) in again.named_parameters())
                Assert.True(a[n].bytes.SequenceEqual(p.bytes), $"{n} differs after the round trip");
            // and the saved weights file is byte-identical to what transformers wrote
            Assert.Equal(File.ReadAllBytes(RepoPaths.Fixture("hf-reference", name, "model.safetensors")),
                         File.ReadAllBytes(Path.Combine(dir, "model.safetensors")));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
