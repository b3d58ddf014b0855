using System.CommandLine;
using ReMiT.Cli.JsonLines;
using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit kk solve</c>: brute-force solutions of Knights &amp; Knaves puzzles.</summary>
internal static class KkCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "JSON Lines with names and statements (Xie et al.'s nested-array trees).", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the lines with solution and n_solutions added.", Required = true };
        var solve = new Command("solve",
            "Solve puzzles by brute force: adds solution (booleans, true = knight; the first solution, null if none) and n_solutions.\n\n" +
            "Example:\n  remit kk solve --input puzzles.jsonl --output solved.jsonl") { input, output };
        solve.SetGuardedAction((p, _, error) =>
            JsonLinesFile.Transform(p.GetValue(input)!, p.GetValue(output)!, KkJson.AddSolution, error) == 0 ? 0 : 1);
        return new Command("kk", "Knights & Knaves utilities.") { solve };
    }
}
