using ReMiT.Training.Experiments;
using ReMiT.Training.Flywheel;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests.Experiments;

public sealed class ExperimentSpecLoaderTests
{
    private static string Preset(string name) => Path.Combine(RepoPaths.Root, "cluster", "presets", name + ".json");

    private const string Valid = """
        {
          // comments allowed, like the presets
          "name": "t", "preset": "smoke", "seeds": 2,
          "stages": [
            { "name": "pretrain", "kind": "pretrain", "to": "base" },
            { "name": "rl:base", "kind": "rl", "from": "base", "to": "base+rl" },
            { "name": "midtrain:uniform", "kind": "mid_train", "from": "base", "to": "uniform", "weighting": "uniform" },
            { "name": "midtrain:remit", "kind": "mid_train", "from": "base", "to": "remit", "weighting": "remit", "guide": "base+rl",
              "overrides": ["mid_train.epsilon=0.3"] },
            { "name": "rl:remit", "kind": "rl", "from": "remit", "to": "remit+rl", "overrides": ["rl.ops=\"4\""] }
          ],
          "arms": [ { "name": "uniform", "model": "uniform" }, { "name": "remit", "model": "remit" } ],
          "comparisons": [ { "a": "remit", "b": "uniform", "metric": "greedy_strict", "split": "edge", "k": 1, "primary": true } ]
        }
        """;

    private static (ExperimentSpec Spec, FlywheelConfig Config) Parse(string json) => ExperimentSpecLoader.Parse(json, "spec.json", Preset);

    [Fact]
    public void Parse_ValidSpec_ReadsStagesArmsAndPrimary()
    {
        var (spec, config) = Parse(Valid);
        Assert.Equal(2, spec.Seeds);
        Assert.Equal(["seed"], spec.SeedVaries);
        Assert.Equal(PlannedKind.MidTrain, spec.Stages[2].Kind);
        Assert.Equal(["mid_train.epsilon=0.3"], spec.Stages[3].Overrides);
        Assert.Equal(("remit", "uniform"), (spec.Primary.A, spec.Primary.B));
        Assert.Equal("smoke", config.Name);
    }

    [Fact]
    public void Parse_EveryProblem_ListedByJsonPath()
    {
        string bad = Valid
            .Replace("\"seeds\": 2,", "\"seeds\": 2, \"colour\": \"red\",")
            .Replace("{ \"name\": \"remit\", \"model\": \"remit\" }", "{ \"name\": \"remit\", \"model\": \"remit3\" }")
            .Replace("\"a\": \"remit\", \"b\": \"uniform\", \"metric\": \"greedy_strict\", \"split\": \"edge\", \"k\": 1, \"primary\": true",
                     "\"a\": \"remit\", \"b\": \"rho1\", \"metric\": \"greedy_strictest\", \"split\": \"middle\", \"k\": 4, \"primary\": false");
        var e = Assert.Throws<InvalidDataException>(() => Parse(bad));
        foreach (string part in new[]
        {
            "$.colour: unknown key",
            "$.arms[1].model: unknown model 'remit3'",
            "$.comparisons[0].b: unknown arm 'rho1'",
            "$.comparisons[0].metric: unknown 'greedy_strictest'",
            "$.comparisons[0].split: unknown 'middle'",
            "exactly one must be \"primary\": true, found 0",
        })
            Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Parse_TwoPrimaries_Rejected()
    {
        string two = Valid.Replace("\"comparisons\": [", "\"comparisons\": [ { \"a\": \"uniform\", \"b\": \"remit\", \"metric\": \"greedy_answer\", \"split\": \"id\", \"primary\": true },");
        var e = Assert.Throws<InvalidDataException>(() => Parse(two));
        Assert.Contains("found 2", e.Message);
    }

    [Fact]
    public void Parse_GreedyMetricWithKAboveOne_NamesK()
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(Valid.Replace("\"k\": 1, \"primary\"", "\"k\": 4, \"primary\"")));
        Assert.Contains("$.comparisons[0].k: greedy metrics are pass@1", e.Message);
    }

    [Fact]
    public void Parse_SampledKAboveEvalSamples_NamesK()
    {
        // smoke evaluates 4 samples per problem, so pass@8 cannot be estimated.
        var e = Assert.Throws<InvalidDataException>(() => Parse(Valid.Replace("\"metric\": \"greedy_strict\", \"split\": \"edge\", \"k\": 1", "\"metric\": \"sampled_strict\", \"split\": \"edge\", \"k\": 8")));
        Assert.Contains("$.comparisons[0].k: 8 exceeds eval.samples (4)", e.Message);
    }

    [Fact]
    public void Parse_BadStageOverrideAndUnknownFrom_NamedByStagePath()
    {
        string bad = Valid.Replace("mid_train.epsilon=0.3", "mid_train.epsilonn=0.3").Replace("\"from\": \"remit\"", "\"from\": \"remix\"");
        var e = Assert.Throws<InvalidDataException>(() => Parse(bad));
        Assert.Contains("$.stages[3].overrides:", e.Message);
        Assert.Contains("epsilonn", e.Message);
        Assert.Contains("$.stages[4].from: model 'remix' is not written by an earlier stage", e.Message);
    }

    [Theory]
    [InlineData("model=tiny")]
    [InlineData("seed=5")]
    [InlineData("eval.per_op=3")]
    [InlineData("eval.temperature=1.0")]
    [InlineData("tokenizer.vocab_size=300")]
    public void Parse_StageOverrideOfWhatEveryStageShares_Rejected(string overrideText)
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse(Valid.Replace("mid_train.epsilon=0.3", overrideText)));
        Assert.Contains("changes what every stage shares", e.Message);
        Assert.Contains(overrideText.Split('=')[0], e.Message);
    }

    [Fact]
    public void ForSeed_SetsEverySeedVariedKey()
    {
        var (spec, config) = Parse(Valid);
        Assert.Equal(3, ExperimentSpecLoader.ForSeed(config, spec, 3).Seed);
    }

    [Theory]
    [InlineData("remit-vs-baselines")]
    [InlineData("rl-difficulty")]
    [InlineData("context-exposure")]
    [InlineData("kk-warmup")]
    [InlineData("flywheel-iterations")]
    public void Load_ShippedSpecs_AreValid(string name)
    {
        var (spec, _) = ExperimentSpecLoader.Load(Path.Combine(RepoPaths.Root, "experiments", name + ".json"), Preset);
        Assert.Equal(name, spec.Name);
    }

    [Fact]
    public void ShippedSpecs_AllListedInTheTheory()
    {
        var files = Directory.GetFiles(Path.Combine(RepoPaths.Root, "experiments"), "*.json").Select(Path.GetFileNameWithoutExtension).Order();
        Assert.Equal(["context-exposure", "flywheel-iterations", "kk-warmup", "remit-vs-baselines", "rl-difficulty"], files);
    }
}
