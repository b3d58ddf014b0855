namespace ReMiT.Model.Checkpoints;

/// <summary>One tensor's header entry: its dtype name as stored ("F32", "BF16", …), shape, and byte range.</summary>
/// <param name="Begin">Start of the tensor's bytes, relative to the start of the data region.</param>
/// <param name="End">End (exclusive) of the tensor's bytes, relative to the start of the data region.</param>
public sealed record SafeTensorEntry(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    public string ShapeText => "[" + string.Join(",", Shape) + "]";
}
