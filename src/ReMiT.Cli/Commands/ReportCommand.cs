using System.CommandLine;
using ReMiT.Training.Reporting;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit report DIR</c>: rebuild report.md and the plots of a run (also of a crashed one).</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "The run directory (holds stages/, metrics.jsonl, eval/*.jsonl, results.json)." };
        var command = new Command("report", "Recompute DIR/results.json's eval rows from DIR/eval/*.jsonl, then build DIR/report.md and DIR/plots/*.png from a run's files.\n\nExample:\n  remit report runs/tiny") { run };
        command.SetGuardedAction((p, output, error) =>
        {
            // Rows are a function of the per-problem records: rebuild them so the report never shows stale ones.
            EvalResults.Recompute(p.GetValue(run)!);
            string path = RunReport.Build(p.GetValue(run)!, error.WriteLine);
            output.WriteLine(RunReport.FormatResultsTable(ResultsFile.Read(Path.Combine(p.GetValue(run)!, ResultsFile.FileName)).Rows));
            output.WriteLine($"report: {path}");
            return 0;
        });
        return command;
    }
}
