using System.CommandLine;
using ReMiT.Cli.Demo;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit demo</c>: the data and verification demo (the README's main job until the flywheel lands).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Run directory for data, tokenizer and report.md.", DefaultValueFactory = _ => "runs/demo" };
        var perSplit = new Option<int>("--per-split") { Description = "GSM problems per split (id, edge, hard).", DefaultValueFactory = _ => 1000 };
        var kk = new Option<int>("--kk") { Description = "Knights & Knaves puzzles.", DefaultValueFactory = _ => 1000 };
        var seed = new Option<long>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var command = new Command("demo",
            "Generate GSM-Infinite-style and Knights & Knaves data, verify correct and broken responses, train the tokenizer,\n" +
            "and write DIR/report.md and DIR/summary.json.\n\nExample:\n  remit demo --out runs/demo") { outDir, perSplit, kk, seed };
        command.SetGuardedAction((p, output, _) =>
        {
            int n = p.GetValue(perSplit), k = p.GetValue(kk);
            if (n < 1 || k < 1) throw new ArgumentException($"--per-split and --kk must be >= 1, got {n} and {k}.");
            return new DemoRun(p.GetValue(outDir)!, n, k, unchecked((ulong)p.GetValue(seed)), output).Run();
        });
        return command;
    }
}
