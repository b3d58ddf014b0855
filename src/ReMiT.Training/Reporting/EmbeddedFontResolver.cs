using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace ReMiT.Training.Reporting;

/// <summary>
/// Serves the DejaVu Sans subset embedded in this assembly to ScottPlot under <see cref="FontName"/>.
/// SkiaSharp's NoDependencies build has no fontconfig and finds fonts only in system folders, which a
/// bare container does not have: without this, every label would render as nothing.
/// </summary>
internal sealed class EmbeddedFontResolver : IFontResolver
{
    /// <summary>A name no system font has, so ScottPlot always asks us rather than the system.</summary>
    public const string FontName = "ReMiT Sans";

    private static readonly Lazy<SKTypeface> Regular = new(() => Load("DejaVuSans.ttf"));
    private static readonly Lazy<SKTypeface> Bold = new(() => Load("DejaVuSans-Bold.ttf"));
    private static readonly object Gate = new();
    private static bool _registered;

    /// <summary>Adds the resolver to ScottPlot's global list once per process and makes it the default font.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            if (_registered) return;
            Fonts.FontResolvers.Add(new EmbeddedFontResolver());
            // Anything a plot does not set explicitly (legend, tick labels) falls back to Fonts.Default.
            Fonts.Default = FontName;
            _registered = true;
        }
    }

    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        fontName == FontName ? (bold ? Bold.Value : Regular.Value) : null;

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
        CreateTypeface(fontName, weight >= FontWeight.SemiBold, slant != FontSlant.Upright);

    private static SKTypeface Load(string file)
    {
        string resource = "ReMiT.Training.Reporting.Fonts." + file;
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded font '{resource}' is missing from ReMiT.Training; rebuild the project (Reporting/Fonts/*.ttf are EmbeddedResource items)");
        return SKTypeface.FromStream(stream)
            ?? throw new InvalidOperationException($"embedded font '{resource}' could not be decoded by SkiaSharp");
    }
}
