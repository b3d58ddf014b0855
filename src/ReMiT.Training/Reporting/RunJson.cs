using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReMiT.Training.Reporting;

/// <summary>JSON settings of every run file: snake_case names and enums, and NaN/Infinity written as strings.</summary>
internal static class RunJson
{
    /// <summary>
    /// Named float literals are allowed because a collapsing run (ReMiT without clipping) logs a NaN loss,
    /// and that is exactly the line the report must keep.
    /// </summary>
    public static readonly JsonSerializerOptions Indented = Create(indented: true);
    public static readonly JsonSerializerOptions Compact = Create(indented: false);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = indented,
        // Run files are read by people and jq, never embedded in HTML: keep "remit+rl" rather than "remit\u002Brl".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
