using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using ReMiT.Training.Stages;
using ReMiT.Training.Tests.Reporting;
using ReMiT.Tests.Shared;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Evaluation;

public sealed class StageRunnerEvaluateTests
{
    [Fact]
    public void Evaluate_SmokeModel_WritesOneRecordPerReportedProblemAndRowsFromThem()
    {
        using var dir = new TempDir();
        var config = ConfigLoader.Load(Path.Combine(RepoPaths.Root, "cluster", "presets", "smoke.json"),
                                       ["eval.per_op=2", "eval.samples=2", "eval.max_new_tokens=8"]);
        var run = RunContext.Prepare(config, dir.Path, resume: false, TextWriter.Null);
        using (var model = new DecoderModel(run.ModelConfig))
        {
            model.InitializeWeights(5);
            HfCheckpoint.Save(model, run.PathOf("models", "base"));
        }
        using var metrics = new MetricsLog(run.PathOf(MetricsLog.FileName));
        var runner = new StageRunner(run, new StageContext(run.RunDirectory, CPU, metrics, TextWriter.Null, CancellationToken.None));

        var rows = runner.Evaluate("base");

        var records = EvalRecordsFile.Read(EvalRecordsFile.PathFor(run.RunDirectory, "base"));
        Assert.Equal(run.EvalSets.Test.Select(p => p.Id), records.Select(r => r.ProblemId));
        Assert.All(records, r => Assert.Equal(2, r.NSamples));
        Assert.All(records, r => Assert.Equal("test", r.EvalSplit));
        Assert.All(records, r => Assert.NotNull(r.GoldSteps));
        Assert.Equal(EvalRows.From("base", records), rows);
        Assert.Equal(EvalMetrics.All, rows.Select(r => r.Metric).Distinct());

        StageRunner.RecordEvaluation(run.RunDirectory, "base", rows, DateTimeOffset.UtcNow);
        var before = ResultsFile.Read(ResultsFile.PathFor(run.RunDirectory));
        Assert.Equal("test", before.EvalSplit);
        EvalResults.Recompute(run.RunDirectory);
        Assert.Equal(before.Rows, ResultsFile.Read(ResultsFile.PathFor(run.RunDirectory)).Rows);
    }
}
