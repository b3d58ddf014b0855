namespace ReMiT.Cli.Tests;

public sealed class ExperimentCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    [Fact]
    public void Help_EndsWithRunnableCpuExample()
    {
        var (exit, output, _) = _h.Run("experiment", "run", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("remit experiment run --spec remit-vs-baselines --preset smoke --seeds 1 --dry-run --out runs/exp-dry", output);
    }

    [Fact]
    public void Run_UnknownSpec_Exit2NamingTheFlag()
    {
        var (exit, _, err) = _h.Run("experiment", "run", "--spec", "no-such-experiment", "--out", _h.PathOf("x"));
        Assert.Equal(2, exit);
        Assert.Contains("--spec: unknown experiment 'no-such-experiment'; known: ", err);
        Assert.Contains("remit-vs-baselines", err);
    }

    [Theory]
    [InlineData("Option '--out' is required.", "experiment", "run", "--spec", "rl-difficulty")]
    [InlineData("'abc' for option '--seeds'", "experiment", "run", "--spec", "rl-difficulty", "--out", "x", "--seeds", "abc")]
    [InlineData("Unrecognized command or argument '--bogus'", "experiment", "run", "--spec", "rl-difficulty", "--out", "x", "--bogus")]
    public void Run_BadFlag_Exit2NamingIt(string message, params string[] args)
    {
        var (exit, _, err) = _h.Run(args);
        Assert.Equal(2, exit);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Run_ZeroSeeds_Exit2NamingTheFlag()
    {
        var (exit, _, err) = _h.Run("experiment", "run", "--spec", "rl-difficulty", "--seeds", "0", "--out", _h.PathOf("x"));
        Assert.Equal(2, exit);
        Assert.Contains("--seeds must be >= 1", err);
    }

    [Fact]
    public void Run_ReuseFromNonExperiment_Exit2NamingTheFolderAndNothingWritten()
    {
        string notAnExperiment = _h.PathOf("plain");
        Directory.CreateDirectory(notAnExperiment);
        var (exit, _, err) = _h.Run("experiment", "run", "--spec", "rl-difficulty", "--preset", "smoke", "--seeds", "1", "--dry-run",
                                    "--reuse-from", notAnExperiment, "--out", _h.PathOf("x"));
        Assert.Equal(2, exit);
        Assert.Contains($"--reuse-from: {notAnExperiment} is not an experiment directory", err);
        Assert.False(Directory.Exists(_h.PathOf("x")), "a refused --reuse-from must not start the experiment");
    }

    [Fact]
    public void Run_InvalidSpec_Exit2ListingProblemsByPath()
    {
        string spec = _h.Write("bad.json", """{ "name": "bad", "preset": "smoke", "stages": [], "arms": [ { "name": "a", "model": "nowhere" } ], "comparisons": [] }""");
        var (exit, _, err) = _h.Run("experiment", "run", "--spec", spec, "--out", _h.PathOf("x"));
        Assert.Equal(2, exit);
        Assert.Contains("$.arms[0].model: unknown model 'nowhere'", err);
        Assert.Contains("exactly one must be \"primary\": true, found 0", err);
    }

    [Fact]
    public void Report_NotAnExperimentDirectory_Exit2()
    {
        var (exit, _, err) = _h.Run("experiment", "report", _h.Dir);
        Assert.Equal(2, exit);
        Assert.Contains("is not an experiment directory", err);
    }

    [Fact]
    public void Run_Resume_SkipsFinishedSeedsAndReportRecomputes()
    {
        string dir = _h.PathOf("exp");
        string[] run = ["experiment", "run", "--spec", "flywheel-iterations", "--preset", "smoke", "--dry-run", "--out", dir];
        var (exit, _, err) = _h.Run([.. run, "--seeds", "1"]);
        Assert.True(exit == 0, err);

        (exit, _, err) = _h.Run([.. run, "--seeds", "1"]);
        Assert.Equal(2, exit);
        Assert.Contains("already holds an experiment; continue it with --resume", err);

        (exit, var output, err) = _h.Run([.. run, "--seeds", "2", "--resume"]);
        Assert.True(exit == 0, err);
        Assert.Contains("seed 1/2: every stage done, skipped", output);
        Assert.Contains("seed 2/2 →", output);
        Assert.True(File.Exists(Path.Combine(dir, "seed-2", "plan.json")));

        File.Delete(Path.Combine(dir, "experiment.json"));
        (exit, output, err) = _h.Run("experiment", "report", dir);
        Assert.True(exit == 0, err);
        Assert.Contains("\"eval\": \"seed-2/eval/remit2+rl.jsonl\"", File.ReadAllText(Path.Combine(dir, "experiment.json")));
    }

    public void Dispose() => _h.Dispose();
}
