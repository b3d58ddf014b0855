using System.Globalization;
using System.Text;
using ReMiT.Training.Stages;

namespace ReMiT.Training.Reporting;

/// <summary>
/// The report's "RL difficulty" section for <c>rl.ops: "auto"</c>: each calibrated RL stage's measured
/// sampled pass@1 per op beside the band, and the ops it chose (from <c>calibration/*.json</c>).
/// </summary>
internal static class CalibrationSection
{
    public static void Write(StringBuilder md, string runDir, Action<string> warn)
    {
        IReadOnlyList<RlCalibration> calibrations;
        try { calibrations = RlCalibration.ReadAll(runDir); }
        catch (Exception e) when (e is System.Text.Json.JsonException or IOException)
        {
            warn($"{Path.Combine(runDir, RlCalibration.Folder)}: unreadable calibration ({e.Message})");
            return;
        }
        if (calibrations.Count == 0) return;
        md.Append("## RL difficulty (rl.ops = auto)\n\n");
        foreach (var c in calibrations)
        {
            string band = string.Join("–", c.Band.Select(b => b.ToString("0.###", CultureInfo.InvariantCulture)));
            md.Append($"**{c.Stage}** (from `models/{c.Model}`, sampled pass@1 at T = {c.Temperature.ToString("0.##", CultureInfo.InvariantCulture)}, band {band}): " +
                      $"ops **{c.ChosenOps}**{(c.InBand ? "" : " (none in band: nearest op)")} — {c.Note}.\n\n");
            var body = c.Profile.Select(p => (IReadOnlyList<string>)
            [
                p.Op.ToString(CultureInfo.InvariantCulture),
                p.PassAt1.ToString("0.000", CultureInfo.InvariantCulture),
                $"{p.Problems} × {p.Samples}",
                p.PassAt1 >= c.Band[0] && p.PassAt1 <= c.Band[1] ? "yes" : "",
            ]);
            md.Append(TextTable.Markdown(["op", "sampled pass@1", "problems × samples", "in band"], body)).Append('\n');
        }
    }
}
