using System.Text.Json.Nodes;
using ReMiT.Cluster.Hosting;
using ReMiT.Model;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using static TorchSharp.torch;

namespace ReMiT.Cli.Tests;

public sealed class FlywheelCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Flywheel_SmokePreset_RunsEveryStageAndWritesResultsReportAndModels()
    {
        string run = _h.PathOf("smoke");
        var (exit, output, err) = _h.Run("flywheel", "--preset", "smoke", "--out", run, "--iterations", "2", "--baselines", "rho1", "kd");
        Assert.True(exit == 0, err + output);

        var rows = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "results.json")))!["rows"]!.AsArray();
        var models = rows.Select(r => r!["model"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["base", "base+rl", "kd", "kd+rl", "remit", "remit+rl", "remit2", "remit2+rl", "rho1", "rho1+rl", "uniform", "uniform+rl"], models);
        Assert.All(rows, r => Assert.InRange(r!["pass_at_k"]!.GetValue<double>(), 0.0, 1.0));
        Assert.Contains(rows, r => r!["split"]!.GetValue<string>() == "id" && r["k"]!.GetValue<int>() == 4);
        Assert.Equal(["greedy_answer", "greedy_strict", "sampled_answer", "sampled_strict"],
                     rows.Select(r => r!["metric"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal("test", JsonNode.Parse(File.ReadAllText(Path.Combine(run, "results.json")))!["eval_split"]!.GetValue<string>());
        foreach (string m in models)
            Assert.NotEmpty(EvalRecordsFile.Read(EvalRecordsFile.PathFor(run, m)));
        foreach (string m in models)
            Assert.True(File.Exists(Path.Combine(run, "models", m, "model.safetensors")), m);
        string report = File.ReadAllText(Path.Combine(run, "report.md"));
        Assert.Contains("## Results", report);
        Assert.Contains("plots/loss_pretrain.png", report);
        Assert.Contains("plots/pass1_bars.png", report);
        Assert.Contains("plots/weights_midtrain_remit.png", report); // the ReMiT branch logged its weight statistics
        Assert.Contains("model", output);

        // The ReMiT weights of the base's mid-training data under RL model 1, with the HTML view.
        string texts = _h.Write("texts.jsonl", "{\"text\": \"<question> The number of adult fox in Maple Creek equals 4. </question>\"}");
        (exit, output, err) = _h.Run("weights", "--policy", Path.Combine(run, "models", "base"), "--guide", Path.Combine(run, "models", "base+rl"),
                                     "--input", texts, "--output", _h.PathOf("w.jsonl"), "--html", _h.PathOf("w.html"));
        Assert.True(exit == 0, err);
        var line = JsonNode.Parse(File.ReadAllLines(_h.PathOf("w.jsonl")).Single())!;
        var weights = line["weights"]!.AsArray().Select(w => w!.GetValue<double>()).ToArray();
        Assert.All(weights, w => Assert.InRange(w, 0.8 - 1e-6, 1.2 + 1e-6));
        Assert.Contains("<span class=\"t\"", File.ReadAllText(_h.PathOf("w.html")));

        // SFT warm-up on Knights & Knaves traces from the smoke base (prompt masked out of the loss).
        string sft = _h.PathOf("sft");
        (exit, output, err) = _h.Run("sft", "--model", Path.Combine(run, "models", "base"), "--task", "kk", "--people", "2-3",
                                     "--documents", "8", "--steps", "3", "--batch-size", "4", "--seq-len", "512", "--out", sft);
        Assert.True(exit == 0, err + output);
        Assert.True(File.Exists(Path.Combine(sft, "model", "model.safetensors")));
        Assert.Contains("\"metric\":\"loss\"", File.ReadAllText(Path.Combine(sft, "metrics.jsonl")));

        // A second run into the same directory is refused without --resume; with it, everything is skipped.
        (exit, _, err) = _h.Run("flywheel", "--preset", "smoke", "--out", run);
        Assert.Equal(2, exit);
        Assert.Contains("--resume", err);
        (exit, output, _) = _h.Run("flywheel", "--preset", "smoke", "--out", run, "--resume");
        Assert.Equal(0, exit);
        Assert.Contains("pretrain: done, skipped", output);
    }

    [Fact]
    public void Flywheel_InterruptedThenResumed_EndsWithTheSameModelsAsAnUninterruptedRun()
    {
        var config = ConfigLoader.Load(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json"));
        string straight = _h.PathOf("straight"), interrupted = _h.PathOf("interrupted");
        FlywheelDriver.Run(config, straight, CPU, TextWriter.Null, resume: false, CancellationToken.None);

        // Interrupt mid-way through mid-training (after its first checkpoint), then resume.
        using var cancel = new CancellationTokenSource();
        var tripwire = new TripwireWriter("midtrain:remit step 00010", cancel);
        Assert.ThrowsAny<OperationCanceledException>(() => FlywheelDriver.Run(config, interrupted, CPU, tripwire, resume: false, cancel.Token));
        Assert.False(File.Exists(Path.Combine(interrupted, "models", "remit", "model.safetensors")));
        FlywheelDriver.Run(config, interrupted, CPU, TextWriter.Null, resume: true, CancellationToken.None);

        foreach (string model in new[] { "base", "remit", "remit+rl", "uniform+rl" })
            Assert.True(File.ReadAllBytes(Path.Combine(straight, "models", model, "model.safetensors"))
                            .AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(interrupted, "models", model, "model.safetensors"))),
                        $"{model} differs after interrupt + resume");
        // Evaluations finish in any order and the cluster section names this run's ports: compare the rows as a set.
        static string[] Rows(string run) => ResultsFile.Read(Path.Combine(run, "results.json")).Rows.Select(r => r.ToString()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Rows(straight), Rows(interrupted));
    }

    /// <summary>Cancels when a line containing <paramref name="trigger"/> is written (a Ctrl-C at a known point).</summary>
    private sealed class TripwireWriter(string trigger, CancellationTokenSource cancel) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            if (value is not null && value.Contains(trigger, StringComparison.Ordinal)) cancel.Cancel();
            base.WriteLine(value);
        }
    }
}
