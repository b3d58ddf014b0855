using System.CommandLine;
using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Tasks.Gsm;
using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit data gen</c>: synthetic reasoning data with exact answers.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "gsm (GSM-Infinite style) or kk (Knights & Knaves).", Required = true };
        task.AcceptOnlyFromAmong("gsm", "kk");
        var ops = new Option<string>("--ops") { Description = "gsm: operation counts, e.g. 2-10, or a split: id (2-10), edge (11-14), hard (15-20).", DefaultValueFactory = _ => "2-10" };
        var templates = new Option<string>("--templates") { Description = "gsm: comma-separated contexts: zoo, teachers, movie.", DefaultValueFactory = _ => "zoo,teachers,movie" };
        var modes = new Option<string>("--modes") { Description = "gsm: comma-separated modes: forward, reverse.", DefaultValueFactory = _ => "forward,reverse" };
        var people = new Option<string>("--people") { Description = "kk: number of people, e.g. 3-5 (2-8).", DefaultValueFactory = _ => "3-5" };
        var n = new Option<int>("--n") { Description = "How many problems.", Required = true };
        var seed = new Option<long>("--seed") { Description = "Random seed; the same seed gives the same file.", DefaultValueFactory = _ => 0 };
        var outPath = new Option<string>("--out") { Description = "Output JSON Lines file.", Required = true };
        var gen = new Command("gen",
            "Generate problems with gold solutions and answers, one JSON object per line.\n\n" +
            "Examples:\n  remit data gen --task gsm --ops 2-10 --n 1000 --seed 1 --out gsm_id.jsonl\n" +
            "  remit data gen --task kk --people 3-5 --n 500 --seed 1 --out kk.jsonl")
            { task, ops, templates, modes, people, n, seed, outPath };
        gen.SetGuardedAction((p, output, _) =>
        {
            int count = p.GetValue(n);
            if (count < 0) throw new ArgumentException($"--n must be >= 0, got {count}.");
            string file = p.GetValue(outPath)!;
            var progress = new Progress("generate", count, output);
            IEnumerable<JsonObject> lines = p.GetValue(task) switch
            {
                "gsm" => GsmLines(p.GetValue(ops)!, p.GetValue(templates)!, p.GetValue(modes)!, count, p.GetValue(seed)),
                _ => KkLines(p.GetValue(people)!, count, p.GetValue(seed)),
            };
            JsonLinesFile.Write(file, lines.Select(l => { progress.Tick(); return l; }));
            progress.Done($"{count} problems written to {file}");
            return 0;
        });
        return new Command("data", "Synthetic data.") { gen };
    }

    private static IEnumerable<JsonObject> KkLines(string people, int n, long seed)
    {
        var (min, max) = RangeOption.Parse(people, "--people", KkGenerator.MinPeople, 8);
        return KkGenerator.Generate(min, max, n, unchecked((ulong)seed)).Select(KkJson.ToJson);
    }

    private static IEnumerable<JsonObject> GsmLines(string ops, string templates, string modes, int n, long seed)
    {
        GsmOpRange range = GsmOpRange.Parse(ops);
        if (range.Min < 2 || range.Max > 40)
            throw new ArgumentException($"--ops '{ops}': operation counts must lie within 2-40.");
        var contexts = Split(templates, "--templates").Select(GsmTemplate.Parse).ToArray();
        var chosenModes = Split(modes, "--modes").Select(GsmModes.Parse).ToArray();
        return new GsmGenerator().Generate(range, n, unchecked((ulong)seed), contexts, chosenModes).Select(GsmJson.ToJson);
    }

    private static string[] Split(string list, string option)
    {
        string[] items = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items.Length > 0 ? items : throw new ArgumentException($"{option} '{list}': expected a comma-separated list.");
    }
}
