using System.Text;

namespace ReMiT.Training.Reporting;

/// <summary>Renders a header and rows as a markdown table or as aligned plain text for the console.</summary>
internal static class TextTable
{
    public static string Markdown(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", header.Select(Escape)).Append(" |\n");
        sb.Append('|').AppendJoin('|', header.Select(_ => "---")).Append("|\n");
        foreach (var row in rows) sb.Append("| ").AppendJoin(" | ", row.Select(Escape)).Append(" |\n");
        return sb.ToString();
    }

    /// <summary>Left-aligns the first column and right-aligns the rest, two spaces apart.</summary>
    public static string Plain(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = header.Select((_, i) => all.Max(r => i < r.Count ? r[i].Length : 0)).ToArray();
        var sb = new StringBuilder();
        for (int r = 0; r < all.Count; r++)
        {
            var cells = all[r].Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]));
            sb.AppendJoin("  ", cells).Append('\n');
            if (r == 0) sb.Append(new string('-', widths.Sum() + 2 * (widths.Length - 1))).Append('\n');
        }
        return sb.ToString();
    }

    // A '|' inside a cell would split it in two.
    private static string Escape(string cell) => cell.Replace("|", "\\|").Replace("\n", " ");
}
