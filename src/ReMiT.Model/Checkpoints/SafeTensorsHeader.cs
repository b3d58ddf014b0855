using System.Text.Json;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// A parsed safetensors header: the tensors in the order their bytes are stored, the free-form
/// <c>__metadata__</c> strings, and where the data region starts in the file.
/// </summary>
public sealed record SafeTensorsHeader(
    IReadOnlyList<SafeTensorEntry> Tensors,
    IReadOnlyDictionary<string, string> Metadata,
    long DataStart)
{
    /// <summary>
    /// Parses and validates the JSON header against a data region of <paramref name="dataLength"/> bytes,
    /// with the same rules as the Rust <c>safetensors</c> crate: known dtypes, byte ranges that match
    /// dtype size × shape, and ranges that tile the data region exactly (no gaps, no overlaps).
    /// </summary>
    /// <param name="source">Names the file in error messages.</param>
    /// <exception cref="InvalidDataException">The header is not valid; the message names the file and tensor.</exception>
    internal static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long dataStart, long dataLength, string source)
    {
        var tensors = new List<SafeTensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json);
            Expect(ref reader, JsonTokenType.StartObject, source, "the header");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                if (!seen.Add(name))
                    throw Corrupt(source, $"the header lists '{name}' twice");
                if (name == "__metadata__")
                    ReadMetadata(ref reader, metadata, source);
                else
                    tensors.Add(ReadEntry(ref reader, name, source));
            }
            if (reader.TokenType != JsonTokenType.EndObject)
                throw Corrupt(source, $"expected a tensor name in the header, found {reader.TokenType}");
            // Only trailing whitespace (the padding writers add) may follow the object.
            if (reader.Read())
                throw Corrupt(source, $"unexpected {reader.TokenType} after the header object");
        }
        catch (JsonException e)
        {
            throw Corrupt(source, $"the header is not valid JSON ({e.Message})", e);
        }

        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        CheckTiling(tensors, dataLength, source);
        return new SafeTensorsHeader(tensors, metadata, dataStart);
    }

    private static SafeTensorEntry ReadEntry(ref Utf8JsonReader reader, string name, string source)
    {
        Expect(ref reader, JsonTokenType.StartObject, source, $"tensor '{name}'");
        string? dtype = null;
        List<long>? shape = null, offsets = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            switch (key)
            {
                case "dtype":
                    Expect(ref reader, JsonTokenType.String, source, $"tensor '{name}' dtype");
                    dtype = reader.GetString()!;
                    break;
                case "shape":
                    shape = ReadLongs(ref reader, source, $"tensor '{name}' shape");
                    break;
                case "data_offsets":
                    offsets = ReadLongs(ref reader, source, $"tensor '{name}' data_offsets");
                    break;
                default:
                    throw Corrupt(source, $"tensor '{name}' has an unknown field '{key}' (expected dtype, shape, data_offsets)");
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw Corrupt(source, $"tensor '{name}' lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");
        if (!SafeTensorsDType.IsKnown(dtype))
            throw new InvalidDataException(
                $"{source}: tensor '{name}' has dtype '{dtype}', which this reader does not support " +
                $"(supported: {SafeTensorsDType.SupportedNames}); convert the checkpoint to one of those.");
        if (offsets.Count != 2)
            throw Corrupt(source, $"tensor '{name}' has {offsets.Count} data_offsets, expected [begin, end]");

        var entry = new SafeTensorEntry(name, dtype, shape, offsets[0], offsets[1]);
        long needed = ByteCount(entry, source);
        if (entry.End < entry.Begin || entry.ByteLength != needed)
            throw Corrupt(source,
                $"tensor '{name}' needs {needed} bytes ({dtype} {entry.ShapeText}) but its data_offsets " +
                $"[{entry.Begin},{entry.End}] span {entry.End - entry.Begin}");
        return entry;
    }

    private static long ByteCount(SafeTensorEntry e, string source)
    {
        try
        {
            return checked(e.Shape.Aggregate(1L, (n, d) => checked(n * d)) * SafeTensorsDType.Size(e.DType));
        }
        catch (OverflowException)
        {
            throw Corrupt(source, $"tensor '{e.Name}' has shape {e.ShapeText}, whose byte size overflows 64 bits");
        }
    }

    private static void CheckTiling(List<SafeTensorEntry> sorted, long dataLength, string source)
    {
        long expectedBegin = 0;
        SafeTensorEntry? previous = null;
        foreach (var e in sorted)
        {
            if (e.Begin < expectedBegin)
                throw Corrupt(source, $"tensor '{e.Name}' [{e.Begin},{e.End}] overlaps tensor '{previous!.Name}' [{previous.Begin},{previous.End}]");
            if (e.Begin > expectedBegin)
                throw Corrupt(source, $"tensor '{e.Name}' starts at byte {e.Begin} but the previous tensor ends at {expectedBegin}; the data has a gap");
            if (e.End > dataLength)
                throw Corrupt(source, $"tensor '{e.Name}' ends at byte {e.End} but the data region holds only {dataLength} bytes");
            expectedBegin = e.End;
            previous = e;
        }
        if (expectedBegin != dataLength)
            throw Corrupt(source, $"the tensors cover {expectedBegin} bytes but the data region holds {dataLength}");
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string source)
    {
        if (Next(ref reader) == JsonTokenType.Null)
            return;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Corrupt(source, $"__metadata__ must be an object of strings, found {reader.TokenType}");
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            string key = reader.GetString()!;
            Expect(ref reader, JsonTokenType.String, source, $"__metadata__ value '{key}'");
            metadata[key] = reader.GetString()!;
        }
    }

    private static List<long> ReadLongs(ref Utf8JsonReader reader, string source, string what)
    {
        Expect(ref reader, JsonTokenType.StartArray, source, what);
        var values = new List<long>();
        while (Next(ref reader) == JsonTokenType.Number)
        {
            if (!reader.TryGetInt64(out long v) || v < 0)
                throw Corrupt(source, $"{what} holds {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}, expected non-negative integers");
            values.Add(v);
        }
        if (reader.TokenType != JsonTokenType.EndArray)
            throw Corrupt(source, $"{what} must hold only integers, found {reader.TokenType}");
        return values;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the JSON ends early");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string source, string what)
    {
        if (Next(ref reader) != type)
            throw Corrupt(source, $"{what} should be {type}, found {reader.TokenType}");
    }

    private static InvalidDataException Corrupt(string source, string problem, Exception? inner = null) =>
        new($"{source}: {problem}; the file is corrupt, truncated or not a safetensors file.", inner);
}
