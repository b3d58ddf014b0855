using System.Text.Json.Nodes;
using ReMiT.Tasks.KnightsKnaves;
using ReMiT.Tests.Shared;

namespace ReMiT.Tasks.Tests.KnightsKnaves;

/// <summary>One puzzle of <c>kk_xie_sample.jsonl</c> (made by Xie et al.'s own generator).</summary>
internal sealed record KkFixture(
    int Line,
    JsonObject Json,
    string[] Names,
    IReadOnlyList<KkStatement> Statements,
    bool[] Solution)
{
    public static IReadOnlyList<KkFixture> All { get; } = Load();

    public static TheoryData<int> Lines()
    {
        var data = new TheoryData<int>();
        foreach (var f in All)
            data.Add(f.Line);
        return data;
    }

    public string Str(string field) => Json[field]!.GetValue<string>();

    private static KkFixture[] Load() =>
        File.ReadLines(RepoPaths.Fixture("external", "kk_xie_sample.jsonl"))
            .Where(l => l.Length > 0)
            .Select((l, i) =>
            {
                var o = JsonNode.Parse(l)!.AsObject();
                return new KkFixture(
                    i,
                    o,
                    o["names"]!.AsArray().Select(n => n!.GetValue<string>()).ToArray(),
                    KkStatementJson.ParseAll(o["statements"]),
                    o["solution"]!.AsArray().Select(n => n!.GetValue<bool>()).ToArray());
            })
            .ToArray();
}
