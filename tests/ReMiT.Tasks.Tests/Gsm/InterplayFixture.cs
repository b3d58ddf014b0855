using System.Text.Json.Nodes;
using ReMiT.Tests.Shared;

namespace ReMiT.Tasks.Tests.Gsm;

/// <summary>The 30 problems of gsminf_interplay_sample.jsonl, generated and scored by Interplay's own code.</summary>
internal static class InterplayFixture
{
    private static readonly Lazy<IReadOnlyList<JsonObject>> LazyProblems = new(Load);

    public static IReadOnlyList<JsonObject> Problems => LazyProblems.Value;

    private static List<JsonObject> Load()
    {
        string path = RepoPaths.Fixture("external", "gsminf_interplay_sample.jsonl");
        return File.ReadLines(path)
            .Where(l => l.Trim().Length > 0)
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .ToList();
    }

    public static string Str(JsonNode? node, string field) =>
        node?[field]?.GetValue<string>() ?? throw new InvalidOperationException($"fixture field '{field}' missing");
}
