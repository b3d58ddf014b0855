using TorchSharp;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// The safetensors dtype names this reader understands, with their torch type and size.
/// <see cref="Rank"/> is the position in the Rust crate's <c>Dtype</c> enum, which orders by
/// alignment; writers sort tensors by descending rank, then name, exactly as <c>safetensors</c> does.
/// </summary>
internal static class SafeTensorsDType
{
    private sealed record Info(string Name, torch.ScalarType Type, int Size, int Rank);

    // Ranks follow safetensors' Dtype declaration order (BOOL < U8 < I8 < … < F64 < I64).
    private static readonly Info[] All =
    [
        new("BOOL", torch.ScalarType.Bool, 1, 0),
        new("U8", torch.ScalarType.Byte, 1, 1),
        new("I8", torch.ScalarType.Int8, 1, 2),
        new("I16", torch.ScalarType.Int16, 2, 5),
        new("F16", torch.ScalarType.Float16, 2, 7),
        new("BF16", torch.ScalarType.BFloat16, 2, 8),
        new("I32", torch.ScalarType.Int32, 4, 9),
        new("F32", torch.ScalarType.Float32, 4, 11),
        new("F64", torch.ScalarType.Float64, 8, 12),
        new("I64", torch.ScalarType.Int64, 8, 13),
    ];

    private static readonly Dictionary<string, Info> ByName = All.ToDictionary(i => i.Name, StringComparer.Ordinal);
    private static readonly Dictionary<torch.ScalarType, Info> ByType = All.ToDictionary(i => i.Type);

    public static string SupportedNames { get; } = string.Join(", ", All.Select(i => i.Name));

    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    public static int Size(string name) => ByName[name].Size;

    public static int Rank(string name) => ByName[name].Rank;

    public static torch.ScalarType ToScalarType(string name) => ByName[name].Type;

    /// <summary>The safetensors name of a torch type, or null when the format has none we support (complex, quantized).</summary>
    public static string? FromScalarType(torch.ScalarType type) => ByType.TryGetValue(type, out var i) ? i.Name : null;
}
