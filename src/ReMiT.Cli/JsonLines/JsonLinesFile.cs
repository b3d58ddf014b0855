using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Cli.JsonLines;

/// <summary>A line of a JSON Lines file that could not be processed, with where it came from.</summary>
public sealed class JsonLineException(string message) : Exception(message);

/// <summary>
/// The shared JSON Lines contract of every <c>remit</c> command: one object per line in and out,
/// unknown fields passed through unchanged, a bad line reported as <c>FILE:LINE: reason</c> and
/// skipped while every other line is still processed, and the output written atomically.
/// </summary>
public static class JsonLinesFile
{
    private static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keep text readable (no \u00XX for < > ')
    };

    /// <summary>Serialises one object as a single JSON line.</summary>
    public static string ToLine(JsonNode node) => node.ToJsonString(Compact);

    /// <summary>
    /// Reads <paramref name="input"/>, applies <paramref name="transform"/> to each object (it may add
    /// fields) and writes the results to <paramref name="output"/>. Returns the number of bad lines;
    /// each one is reported on <paramref name="errors"/>. Blank lines are skipped.
    /// </summary>
    public static int Transform(string input, string output, Action<JsonObject> transform, TextWriter errors)
    {
        int bad, good = 0;
        using (var writer = new AtomicTextWriter(output))
        {
            bad = ForEachObject(input, obj =>
            {
                transform(obj);
                writer.Writer.WriteLine(ToLine(obj));
                good++;
            }, errors);
            writer.Commit();
        }
        if (bad > 0)
            errors.WriteLine($"{input}: {bad} bad line(s) skipped, {good} written to {output}.");
        return bad;
    }

    /// <summary>
    /// Reads <paramref name="input"/> and returns <paramref name="select"/> of each object; bad lines are
    /// reported on <paramref name="errors"/> and counted in <paramref name="bad"/>.
    /// </summary>
    public static List<T> Collect<T>(string input, Func<JsonObject, T> select, TextWriter errors, out int bad)
    {
        var items = new List<T>();
        bad = ForEachObject(input, obj => items.Add(select(obj)), errors);
        return items;
    }

    // The one loop over a JSON Lines file: parse, hand over, report failures by file and line.
    private static int ForEachObject(string input, Action<JsonObject> handle, TextWriter errors)
    {
        if (!File.Exists(input))
            throw new FileNotFoundException($"Input file '{input}' does not exist.", input);
        int bad = 0, lineNo = 0;
        foreach (string line in File.ReadLines(input, Encoding.UTF8))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                handle(ParseObject(line));
            }
            catch (Exception e) when (e is JsonException or JsonLineException or ArgumentException or FormatException or InvalidOperationException)
            {
                bad++;
                errors.WriteLine($"{input}:{lineNo}: {CliErrors.Describe(e)}");
            }
        }
        return bad;
    }

    /// <summary>Writes objects, one per line, atomically to <paramref name="output"/>.</summary>
    public static void Write(string output, IEnumerable<JsonObject> objects)
    {
        using var writer = new AtomicTextWriter(output);
        foreach (JsonObject obj in objects) writer.Writer.WriteLine(ToLine(obj));
        writer.Commit();
    }

    private static JsonObject ParseObject(string line)
    {
        JsonNode? node = JsonNode.Parse(line);
        return node as JsonObject ?? throw new JsonLineException($"expected a JSON object, found {(node is null ? "null" : node.GetValueKind().ToString().ToLowerInvariant())}");
    }

    /// <summary>The value of a required field, converted to <typeparamref name="T"/>, or an error naming the field.</summary>
    public static T Required<T>(JsonObject obj, string field)
    {
        if (!obj.TryGetPropertyValue(field, out JsonNode? node) || node is null)
            throw new JsonLineException($"missing field '{field}'");
        try
        {
            return node.Deserialize<T>() ?? throw new JsonLineException($"field '{field}' is null");
        }
        catch (JsonException e)
        {
            throw new JsonLineException($"field '{field}' has the wrong type (expected {Describe(typeof(T))}): {e.Message}");
        }
    }

    private static string Describe(Type t) =>
        t == typeof(string) ? "a string" :
        t == typeof(bool) ? "a boolean" :
        t.IsArray ? $"an array of {Describe(t.GetElementType()!)}" :
        t == typeof(int) || t == typeof(long) ? "an integer" : t.Name;
}
