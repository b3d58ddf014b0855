using System.Globalization;

namespace ReMiT.Training.Tests.Experiments;

/// <summary>Writes synthetic per-problem eval files in the evaluator's format (plus an extra field, as it may add).</summary>
internal static class EvalFiles
{
    /// <summary>One line per problem: id "p{i}", split, greedy strict = answer = outcome; 4 samples with <paramref name="sampledCorrect"/> right.</summary>
    public static void Write(string path, string split, IReadOnlyList<bool> outcomes, int sampledCorrect = 2, int firstId = 0)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var lines = outcomes.Select((ok, i) => string.Create(CultureInfo.InvariantCulture,
            $$"""{"problem_id":"p{{firstId + i}}","task":"gsm","op":3,"split":"{{split}}","eval_split":"test","mode":"forward","template":"t0","greedy_answer":{{(ok ? "true" : "false")}},"greedy_strict":{{(ok ? "true" : "false")}},"n_samples":4,"n_answer":{{sampledCorrect}},"n_strict":{{sampledCorrect}},"note":"extra"}"""));
        File.AppendAllLines(path, lines);
    }

    public static bool[] Pattern(string ones) => ones.Select(c => c == '1').ToArray();
}
