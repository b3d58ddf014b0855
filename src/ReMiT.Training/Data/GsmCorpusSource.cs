using ReMiT.Tasks;
using ReMiT.Tasks.Gsm;

namespace ReMiT.Training.Data;

/// <summary>
/// GSM-Infinite-style problems over a range of operation counts, contexts (templates) and modes. The
/// generator cycles ops fastest, then templates, then modes, so every op is equally represented.
/// </summary>
public sealed record GsmCorpusSource : CorpusSource
{
    // Generators are stateless and option-free here; one instance serves every source.
    private static readonly GsmGenerator Generator = new();

    // Problems built in parallel per step: enough to keep the cores busy, few enough to stay lazy.
    private const int Chunk = 256;

    /// <summary>Operation counts, "2-10", "7" or a split name (id, edge, hard).</summary>
    public string Ops { get; init; } = "2-10";

    /// <summary>Contexts by key: zoo, teachers, movie.</summary>
    public IReadOnlyList<string> Templates { get; init; } = ["zoo", "teachers", "movie"];

    /// <summary>forward and/or reverse.</summary>
    public IReadOnlyList<string> Modes { get; init; } = ["forward", "reverse"];

    protected override string DefaultLabel => $"gsm {Ops}";

    protected override void ValidateTask(string path, List<string> problems)
    {
        try
        {
            var range = GsmOpRange.Parse(Ops);
            if (range.Min < 2) problems.Add($"{path}.ops: a problem needs at least 2 operations, got '{Ops}'");
        }
        catch (ArgumentException e)
        {
            problems.Add($"{path}.ops: {e.Message}");
        }
        CheckList(Templates, "templates", t => GsmTemplate.Parse(t));
        CheckList(Modes, "modes", m => GsmModes.Parse(m));

        void CheckList(IReadOnlyList<string>? items, string field, Action<string> parse)
        {
            if (items is null || items.Count == 0)
            {
                problems.Add($"{path}.{field}: expected at least one entry");
                return;
            }
            for (int i = 0; i < items.Count; i++)
            {
                try { parse(items[i]); }
                catch (ArgumentException e) { problems.Add($"{path}.{field}[{i}]: {e.Message}"); }
            }
        }
    }

    /// <remarks>
    /// Problem i is <see cref="GsmGenerator"/>'s problem i of <c>Generate(ops, count, seed, templates, modes)</c>
    /// (same op/template/mode cycle, same derived seed), but problems are built in parallel chunks:
    /// each depends only on its index, so the order and content do not depend on the thread count.
    /// </remarks>
    public override IEnumerable<Document> Generate(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ThrowIfInvalid();
        var ops = GsmOpRange.Parse(Ops);
        var templates = Templates.Select(GsmTemplate.Parse).ToArray();
        var modes = Modes.Select(GsmModes.Parse).ToArray();
        return Iterate(ops, templates, modes, count, seed, Label);
    }

    private static IEnumerable<Document> Iterate(GsmOpRange ops, GsmTemplate[] templates, GsmMode[] modes, int count, ulong seed, string label)
    {
        var chunk = new Document[Chunk];
        for (int start = 0; start < count; start += Chunk)
        {
            int n = Math.Min(Chunk, count - start);
            Parallel.For(0, n, j =>
            {
                int i = start + j;
                int op = ops.Min + i % ops.Count;
                var template = templates[i / ops.Count % templates.Length];
                var mode = modes[i / (ops.Count * templates.Length) % modes.Length];
                chunk[j] = ToDocument(Generator.Generate(op, template, mode, SplitMix64.Derive(seed, (ulong)i)), label);
            });
            for (int j = 0; j < n; j++) yield return chunk[j];
        }
    }

    /// <summary>
    /// The prompt ends with "&lt;solution&gt;" and the text continues with a space, so the completion
    /// carries that space: Prompt + Completion is the text exactly.
    /// </summary>
    internal static Document ToDocument(GsmProblem p, string source) =>
        new(source, p.Prompt, " " + p.GoldResponse, p.Text, p.Answer, p.Op);
}
