using System.Globalization;
using System.Net;
using System.Text;

namespace ReMiT.Cli.Html;

/// <summary>One sequence to show: its tokens as text and a weight per token (null for the first, which has none).</summary>
internal sealed record WeightedSequence(string Title, IReadOnlyList<string> Tokens, IReadOnlyList<double?> Weights);

/// <summary>
/// A self-contained HTML page colouring each token by its ReMiT weight (the paper's §2.2 view of
/// which tokens RL promotes): red above 1 (up-weighted), blue below 1, white at 1, with the exact
/// weight in a tooltip.
/// </summary>
internal static class TokenWeightsPage
{
    public static string Render(string title, string legend, IReadOnlyList<WeightedSequence> sequences, double epsilon)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>");
        html.Append("<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.9}")
            .Append(".seq{border:1px solid #ddd;padding:.8em;margin:1em 0;border-radius:6px}")
            .Append(".t{font-family:monospace;white-space:pre-wrap;padding:1px 0;border-radius:2px}")
            .Append("h2{font-size:1em;color:#555;margin:.2em 0}.legend span{padding:2px 8px;margin-right:4px;font-family:monospace}</style></head><body>");
        html.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1><p>").Append(WebUtility.HtmlEncode(legend)).Append("</p>");
        html.Append("<p class=\"legend\">");
        foreach (double w in new[] { 1 - epsilon, 1 - epsilon / 2, 1.0, 1 + epsilon / 2, 1 + epsilon })
            html.Append("<span style=\"background:").Append(Colour(w, epsilon)).Append("\">").Append(w.ToString("F2", CultureInfo.InvariantCulture)).Append("</span>");
        html.Append("</p>");
        foreach (var seq in sequences)
        {
            html.Append("<div class=\"seq\"><h2>").Append(WebUtility.HtmlEncode(seq.Title)).Append("</h2>");
            for (int i = 0; i < seq.Tokens.Count; i++)
            {
                double? w = i < seq.Weights.Count ? seq.Weights[i] : null;
                string tip = w is double v ? v.ToString("F3", CultureInfo.InvariantCulture) : "no weight (first token)";
                html.Append("<span class=\"t\" title=\"").Append(tip).Append("\" style=\"background:")
                    .Append(w is double x ? Colour(x, epsilon) : "#eee").Append("\">")
                    .Append(WebUtility.HtmlEncode(seq.Tokens[i])).Append("</span>");
            }
            html.Append("</div>");
        }
        return html.Append("</body></html>").ToString();
    }

    /// <summary>White at 1, saturating to red at 1+ε and blue at 1−ε.</summary>
    internal static string Colour(double weight, double epsilon)
    {
        double s = Math.Clamp((weight - 1.0) / Math.Max(epsilon, 1e-9), -1.0, 1.0);
        int fade = (int)Math.Round(255 * (1 - Math.Abs(s)));
        return s >= 0 ? $"rgb(255,{fade},{fade})" : $"rgb({fade},{fade},255)";
    }
}
