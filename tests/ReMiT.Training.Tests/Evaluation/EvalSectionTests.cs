using ReMiT.Training.Flywheel;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests.Evaluation;

public sealed class EvalSectionTests
{
    private static string Smoke => Path.Combine(RepoPaths.Root, "cluster", "presets", "smoke.json");

    [Fact]
    public void Defaults_InterplayProtocol()
    {
        var e = new EvalSection();
        Assert.Equal(0.7, e.Temperature);
        Assert.Equal("test", e.Split);
        Assert.Equal("gsm", e.Task);
        Assert.Empty(e.Modes);
        Assert.Empty(e.Templates);
        Assert.Empty(e.Validate());
    }

    [Fact]
    public void Load_NewEvalKeys_Set()
    {
        var config = ConfigLoader.Load(Smoke, ["eval.split=dev", "eval.temperature=0.5", "eval.modes=[\"reverse\"]", "eval.task=kk", "eval.people=3-4"]);
        Assert.Equal("dev", config.Eval.Split);
        Assert.Equal(0.5, config.Eval.Temperature);
        Assert.Equal(["reverse"], config.Eval.Modes);
        Assert.Equal("kk", config.Eval.Task);
        Assert.Equal("3-4", config.Eval.People);
    }

    [Fact]
    public void Load_BadEvalValues_NamedWithTheirKeys()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Smoke,
            ["eval.split=train", "eval.temperature=0", "eval.task=math", "eval.modes=[\"sideways\"]", "eval.people=1-9"]));
        foreach (string part in new[] { "eval.split must be test", "eval.temperature must be > 0", "eval.task must be gsm or kk",
                                        "eval.modes[0] 'sideways'", "eval.people:" })
            Assert.Contains(part, e.Message);
    }
}
