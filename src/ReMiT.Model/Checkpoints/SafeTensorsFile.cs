using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length N, N bytes of
/// JSON header, then the tensors' raw little-endian bytes. Tensor bytes go straight between the
/// file and each tensor's storage (<see cref="torch.Tensor.bytes"/> is a span over it), so no
/// managed copy of the data and no per-element loop is involved.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The Rust crate refuses headers above 100 MB; so do we, before allocating one.</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    /// <summary>Metadata Hugging Face writes; transformers checks <c>format</c> when loading.</summary>
    public static IReadOnlyDictionary<string, string> PyTorchMetadata { get; } =
        new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>
    /// Tensor.bytes is an int-sized span, so a tensor is copied in pieces of at most this many bytes.
    /// Internal so tests can force the piecewise path on small tensors.
    /// </summary>
    internal static long ChunkBytes { get; set; } = 1L << 30;

    /// <summary>Reads and validates the header without touching tensor data.</summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return ReadHeader(handle, path);
    }

    /// <summary>
    /// Loads every tensor with its stored dtype (BF16 stays BF16) and shape, on <paramref name="device"/>
    /// (CPU when null). The tensors belong to the caller's dispose scope, if one is open.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file.</exception>
    public static Dictionary<string, torch.Tensor> Load(string path, torch.Device? device = null)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var header = ReadHeader(handle, path);
        var onCpu = device is null || device.type == DeviceType.CPU;

        // The scope frees every tensor made so far if a read fails; survivors are moved out at the end.
        using var scope = torch.NewDisposeScope();
        var result = new Dictionary<string, torch.Tensor>(header.Tensors.Count, StringComparer.Ordinal);
        foreach (var e in header.Tensors)
        {
            var t = torch.empty([.. e.Shape], SafeTensorsDType.ToScalarType(e.DType));
            ForEachChunk(t, (span, offset) => ReadExactly(handle, span, header.DataStart + e.Begin + offset, path, e.Name));
            result[e.Name] = onCpu ? t : t.to(device!);
        }
        foreach (var t in result.Values)
            t.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> as safetensors, atomically (a temporary file renamed over
    /// <paramref name="path"/>). Layout matches the Python library: tensors sorted by descending dtype
    /// alignment then name, <c>__metadata__</c> first, header padded with spaces to a multiple of 8.
    /// Tensors may live on any device and need not be contiguous; they are not modified.
    /// </summary>
    /// <param name="beforeWrite">Called with each tensor's name just before its bytes are written, in file order: a caller
    /// can then fill one reused buffer per tensor (ZeRO-1 gathers each optimizer buffer into the same memory) instead of
    /// holding every tensor at once. Only the header's shapes and dtypes are read before.</param>
    /// <exception cref="ArgumentException">A name is empty, reserved or repeated, or a dtype has no safetensors name.</exception>
    public static void Save(
        string path,
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null,
        Action<string>? beforeWrite = null)
    {
        var items = Describe(tensors);
        byte[] header = BuildHeader(items, metadata);

        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var (name, tensor, _) in items)
                {
                    beforeWrite?.Invoke(name);
                    WriteTensor(stream, tensor);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    /// <summary>
    /// Streams tensor <paramref name="name"/> of the file at <paramref name="path"/> straight into
    /// <paramref name="destination"/>, a contiguous CPU tensor of the stored dtype and element count: only that
    /// tensor's bytes are read, and no second copy of it is made (an optimizer state loads one buffer at a time).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file or holds no tensor of that name.</exception>
    public static void ReadInto(string path, string name, torch.Tensor destination)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var header = ReadHeader(handle, path);
        var entry = header.Tensors.FirstOrDefault(e => e.Name == name)
            ?? throw new InvalidDataException($"{path}: tensor '{name}' is missing.");
        ReadInto(handle, path, header, entry, destination);
    }

    /// <summary>
    /// Streams one tensor's bytes from an open file straight into <paramref name="destination"/>'s storage,
    /// in pieces of at most <see cref="ChunkBytes"/>: the file is never held in managed memory.
    /// </summary>
    /// <param name="destination">A contiguous CPU tensor of the entry's dtype and element count.</param>
    internal static void ReadInto(SafeFileHandle handle, string path, SafeTensorsHeader header, SafeTensorEntry entry, torch.Tensor destination)
    {
        if (destination.device_type != DeviceType.CPU || !destination.is_contiguous()
            || destination.dtype != SafeTensorsDType.ToScalarType(entry.DType) || destination.NumberOfElements != entry.ElementCount)
            throw new ArgumentException(
                $"tensor '{entry.Name}' ({entry.DType} {entry.ShapeText}) can only be read into a contiguous CPU tensor of that dtype and size, " +
                $"not {destination.dtype} [{string.Join(",", destination.shape)}] on {destination.device}.", nameof(destination));
        ForEachChunk(destination, (span, offset) => ReadExactly(handle, span, header.DataStart + entry.Begin + offset, path, entry.Name));
    }

    internal static SafeTensorsHeader ReadHeader(SafeFileHandle handle, string path)
    {
        string source = Path.GetFileName(path);
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw new InvalidDataException(
                $"{source}: the file is {fileLength} bytes, shorter than the 8-byte header length; it is truncated or not a safetensors file.");

        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(handle, prefix, 0, path, tensor: null);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
            throw new InvalidDataException(
                $"{source}: the header length field says {headerLength} bytes but only {fileLength - 8} bytes follow it; " +
                "the file is truncated or not a safetensors file.");
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException(
                $"{source}: the header is {headerLength} bytes, above the {MaxHeaderBytes}-byte limit safetensors allows; the file is not a safetensors file.");

        var json = new byte[headerLength];
        ReadExactly(handle, json, 8, path, tensor: null);
        long dataStart = 8 + (long)headerLength;
        return SafeTensorsHeader.Parse(json, dataStart, fileLength - dataStart, source);
    }

    private static List<(string Name, torch.Tensor Tensor, string DType)> Describe(IEnumerable<KeyValuePair<string, torch.Tensor>> tensors)
    {
        var items = new List<(string, torch.Tensor, string)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__")
                throw new ArgumentException($"Tensor name '{name}' is not allowed in a safetensors file; rename the tensor.", nameof(tensors));
            if (!names.Add(name))
                throw new ArgumentException($"Tensor '{name}' is given twice; each name may appear once.", nameof(tensors));
            string dtype = SafeTensorsDType.FromScalarType(tensor.dtype)
                ?? throw new ArgumentException(
                    $"Tensor '{name}' has dtype {tensor.dtype}, which has no safetensors name here " +
                    $"(supported: {SafeTensorsDType.SupportedNames}); convert it first.", nameof(tensors));
            items.Add((name, tensor, dtype));
        }
        // Descending dtype rank, then ordinal name: the Python library's order, so outputs are byte-identical.
        items.Sort((a, b) =>
        {
            int byType = SafeTensorsDType.Rank(b.Item3).CompareTo(SafeTensorsDType.Rank(a.Item3));
            return byType != 0 ? byType : string.CompareOrdinal(a.Item1, b.Item1);
        });
        return items;
    }

    private static byte[] BuildHeader(List<(string Name, torch.Tensor Tensor, string DType)> items, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        // serde_json escapes only quotes, backslashes and control characters; match it.
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata is not null)
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor, dtype) in items)
            {
                long bytes = tensor.NumberOfElements * tensor.ElementSize;
                w.WriteStartObject(name);
                w.WriteString("dtype", dtype);
                w.WriteStartArray("shape");
                foreach (long d in tensor.shape)
                    w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        int length = (int)buffer.Length;
        int padded = (length + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.GetBuffer().AsSpan(0, length).CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static void WriteTensor(FileStream stream, torch.Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        // detach: reading bytes must not touch autograd; cpu/contiguous are no-ops when already so.
        var source = tensor.detach().cpu().contiguous();
        ForEachChunk(source, (span, _) => stream.Write(span));
    }

    /// <summary>Calls <paramref name="action"/> with spans over a contiguous CPU tensor's storage, in order, each at most <see cref="ChunkBytes"/> long.</summary>
    private static void ForEachChunk(torch.Tensor tensor, Action<Span<byte>, long> action)
    {
        long total = tensor.NumberOfElements * tensor.ElementSize;
        if (total == 0)
            return;
        if (total <= ChunkBytes)
        {
            action(tensor.bytes, 0);
            return;
        }
        using var flat = tensor.view(-1);
        long perChunk = Math.Max(1, ChunkBytes / tensor.ElementSize);
        for (long start = 0; start < tensor.NumberOfElements; start += perChunk)
        {
            long count = Math.Min(perChunk, tensor.NumberOfElements - start);
            using var piece = flat.narrow(0, start, count);
            action(piece.bytes, start * tensor.ElementSize);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> destination, long fileOffset, string path, string? tensor)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, fileOffset);
            if (read == 0)
                throw new InvalidDataException(
                    $"{Path.GetFileName(path)}: the file ended at byte {fileOffset}" +
                    (tensor is null ? "" : $" while reading tensor '{tensor}'") + "; it is truncated or was changed while being read.");
            destination = destination[read..];
            fileOffset += read;
        }
    }
}
