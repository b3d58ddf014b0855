using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// The weight files of one model directory: <c>model.safetensors</c> alone, or
/// <c>model.safetensors.index.json</c> and the shards it names. Opening reads only headers and checks
/// that the index and the shards agree (every shard present, every listed tensor in its shard, no tensor
/// in two shards or missing from the index); <see cref="ReadInto"/> then streams one tensor at a time
/// from its shard into the caller's tensor, so loading needs the model plus one tensor, never a whole
/// shard in memory.
/// </summary>
public sealed class SafeTensorsCheckpoint : IDisposable
{
    /// <summary>One tensor: its header entry and the file that holds it.</summary>
    public sealed record Located(SafeTensorEntry Entry, string File, SafeTensorsHeader Header);

    private readonly Dictionary<string, Located> _tensors;
    private readonly Dictionary<string, SafeFileHandle> _handles = new(StringComparer.Ordinal);

    private SafeTensorsCheckpoint(Dictionary<string, Located> tensors, IReadOnlyList<string> files)
    {
        _tensors = tensors;
        Files = files;
    }

    /// <summary>Full paths of the files the tensors come from (one, or the shards in index order).</summary>
    public IReadOnlyList<string> Files { get; }

    public bool IsSharded => Files.Count > 1 || Path.GetFileName(Files[0]) != HfCheckpoint.WeightsFile;

    public IReadOnlyDictionary<string, Located> Tensors => _tensors;

    /// <summary>Whether <paramref name="directory"/> holds weights this class can open.</summary>
    public static bool Exists(string directory) =>
        File.Exists(Path.Combine(directory, HfCheckpoint.WeightsFile)) || File.Exists(Path.Combine(directory, SafeTensorsIndex.FileName));

    /// <exception cref="FileNotFoundException">There are no weights, or a shard named by the index is missing.</exception>
    /// <exception cref="InvalidDataException">A header is corrupt, or the index and the shards disagree; the message names the file and tensor.</exception>
    public static SafeTensorsCheckpoint Open(string directory)
    {
        string single = Path.Combine(directory, HfCheckpoint.WeightsFile), indexPath = Path.Combine(directory, SafeTensorsIndex.FileName);
        bool hasSingle = File.Exists(single), hasIndex = File.Exists(indexPath);
        if (hasSingle && hasIndex)
            throw new InvalidDataException(
                $"'{directory}' holds both {HfCheckpoint.WeightsFile} and {SafeTensorsIndex.FileName}, so it is unclear which weights are meant; remove the stale one.");
        if (hasSingle)
        {
            var header = SafeTensorsFile.ReadHeader(single);
            return new SafeTensorsCheckpoint(header.Tensors.ToDictionary(t => t.Name, t => new Located(t, single, header), StringComparer.Ordinal), [single]);
        }
        if (!hasIndex)
            throw new FileNotFoundException(
                $"'{directory}' is not a model directory: neither {HfCheckpoint.WeightsFile} nor {SafeTensorsIndex.FileName} is there.", single);
        return OpenSharded(directory, indexPath);
    }

    private static SafeTensorsCheckpoint OpenSharded(string directory, string indexPath)
    {
        var index = SafeTensorsIndex.Load(indexPath);
        string indexName = SafeTensorsIndex.FileName;
        var files = index.Files.Select(f => Path.Combine(directory, f)).ToList();
        foreach (string file in files)
            if (!File.Exists(file))
            {
                string name = Path.GetFileName(file);
                int count = index.WeightMap.Count(kv => kv.Value == name);
                throw new FileNotFoundException(
                    $"{indexName} names shard '{name}' (for '{index.WeightMap.First(kv => kv.Value == name).Key}'" +
                    $"{(count > 1 ? $" and {count - 1} more tensors" : "")}), but {name} is missing from '{directory}'; download it again.", file);
            }

        // First every header, so a tensor in two shards is reported as that whatever the index says.
        var tensors = new Dictionary<string, Located>(StringComparer.Ordinal);
        foreach (string file in files.Order(StringComparer.Ordinal))
        {
            var header = SafeTensorsFile.ReadHeader(file);
            foreach (var entry in header.Tensors)
            {
                if (tensors.TryGetValue(entry.Name, out var first))
                    throw new InvalidDataException(
                        $"tensor '{entry.Name}' is in both {Path.GetFileName(first.File)} and {Path.GetFileName(file)}; a tensor must be in one shard only.");
                tensors[entry.Name] = new Located(entry, file, header);
            }
        }
        foreach (var (tensor, at) in tensors)
        {
            string name = Path.GetFileName(at.File);
            if (!index.WeightMap.TryGetValue(tensor, out string? listed))
                throw new InvalidDataException($"{name} holds tensor '{tensor}', which {indexName} does not list; the index and shards are from different checkpoints.");
            if (listed != name)
                throw new InvalidDataException($"tensor '{tensor}' is in {name} but {indexName} puts it in {listed}; the index and shards are from different checkpoints.");
        }
        foreach (var (tensor, file) in index.WeightMap)
            if (!tensors.ContainsKey(tensor))
                throw new InvalidDataException($"{indexName} puts tensor '{tensor}' in {file}, but {file} does not hold it; the shard is incomplete or from another checkpoint.");
        return new SafeTensorsCheckpoint(tensors, files);
    }

    /// <summary>
    /// Copies tensor <paramref name="name"/> into <paramref name="destination"/> (same shape; any dtype and
    /// device, converted on copy). Bytes stream from the file straight into the destination when it is a
    /// contiguous CPU tensor of the stored dtype, else through one temporary tensor of this one's size.
    /// </summary>
    public void ReadInto(string name, torch.Tensor destination)
    {
        var (entry, file, header) = _tensors.TryGetValue(name, out var located) ? located
            : throw new KeyNotFoundException($"no tensor '{name}' in {string.Join(", ", Files.Select(Path.GetFileName))}.");
        if (!destination.shape.SequenceEqual(entry.Shape))
            throw new ArgumentException(
                $"tensor '{name}' in {Path.GetFileName(file)} is {entry.ShapeText}, the destination [{string.Join(",", destination.shape)}].", nameof(destination));
        if (!_handles.TryGetValue(file, out var handle))
            _handles[file] = handle = File.OpenHandle(file, FileMode.Open, FileAccess.Read, FileShare.Read);

        var stored = SafeTensorsDType.ToScalarType(entry.DType);
        using var noGrad = torch.no_grad();
        if (destination.device_type == DeviceType.CPU && destination.dtype == stored && destination.is_contiguous())
        {
            SafeTensorsFile.ReadInto(handle, file, header, entry, destination);
            return;
        }
        using var staging = torch.empty([.. entry.Shape], stored);
        SafeTensorsFile.ReadInto(handle, file, header, entry, staging);
        destination.copy_(staging);
    }

    public void Dispose()
    {
        foreach (var handle in _handles.Values)
            handle.Dispose();
        _handles.Clear();
    }
}
