using System.Runtime.InteropServices;
using System.Reflection;
using MessagePack;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

/// <summary>
/// Structural equality for message records (whose arrays compare by reference under record equality):
/// every <c>[Key]</c> property, arrays element by element, floats bit for bit (NaN and -0 included).
/// </summary>
internal static class DeepEqual
{
    public static void Assert(object? expected, object? actual)
    {
        if (Difference(expected, actual, expected?.GetType().Name ?? "value") is { } diff)
            throw new Xunit.Sdk.XunitException($"Messages differ at {diff}");
    }

    private static string? Difference(object? a, object? b, string path)
    {
        if (a is null || b is null)
            return a is null && b is null ? null : $"{path}: {Show(a)} vs {Show(b)}";
        if (a.GetType() != b.GetType())
            return $"{path}: {a.GetType().Name} vs {b.GetType().Name}";
        switch (a)
        {
            case float f:
                return BitConverter.SingleToInt32Bits(f) == BitConverter.SingleToInt32Bits((float)b) ? null : $"{path}: {f:R} vs {b:R}";
            case double d:
                return BitConverter.DoubleToInt64Bits(d) == BitConverter.DoubleToInt64Bits((double)b) ? null : $"{path}: {d:R} vs {b:R}";
            case string s:
                return string.Equals(s, (string)b, StringComparison.Ordinal) ? null : $"{path}: \"{s}\" vs \"{b}\"";
            // Primitive arrays bit for bit in one pass (rollout batches hold millions of elements); the slow path below names the index.
            case Array x when x.GetType().GetElementType()!.IsPrimitive && x.Length == ((Array)b).Length && Bits(x).SequenceEqual(Bits((Array)b)):
                return null;
            case Array x:
                var y = (Array)b;
                if (x.Length != y.Length)
                    return $"{path}: length {x.Length} vs {y.Length}";
                for (int i = 0; i < x.Length; i++)
                    if (Difference(x.GetValue(i), y.GetValue(i), $"{path}[{i}]") is { } inner)
                        return inner;
                return null;
        }
        var type = a.GetType();
        if (type.GetCustomAttribute<MessagePackObjectAttribute>() is null)
            return a.Equals(b) ? null : $"{path}: {a} vs {b}";
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetCustomAttribute<KeyAttribute>() is not null))
            if (Difference(p.GetValue(a), p.GetValue(b), $"{path}.{p.Name}") is { } inner)
                return inner;
        return null;
    }

    private static ReadOnlySpan<byte> Bits(Array a) =>
        MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(a), Buffer.ByteLength(a));

    private static string Show(object? o) => o is null ? "null" : o.ToString() ?? "?";
}
