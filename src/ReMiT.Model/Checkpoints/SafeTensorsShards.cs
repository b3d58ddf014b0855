using System.Text.RegularExpressions;

namespace ReMiT.Model.Checkpoints;

/// <summary>How a checkpoint's tensors are split into shard files, named as Hugging Face names them.</summary>
internal static partial class SafeTensorsShards
{
    /// <summary><c>model-00001-of-00003.safetensors</c> for <paramref name="index"/> 0 of 3.</summary>
    public static string FileName(int index, int count) => $"model-{index + 1:00000}-of-{count:00000}.safetensors";

    /// <summary>
    /// Splits tensors, in order, into shards of at most <paramref name="maxBytes"/>: a tensor that would
    /// push the current shard past the limit starts the next one, and a tensor larger than the limit gets
    /// a shard of its own (huggingface_hub's split_state_dict_into_shards rule).
    /// </summary>
    public static List<List<string>> Plan(IEnumerable<(string Name, long Bytes)> tensors, long maxBytes)
    {
        var shards = new List<List<string>>();
        var current = new List<string>();
        long currentBytes = 0;
        foreach (var (name, bytes) in tensors)
        {
            if (bytes > maxBytes)
            {
                shards.Add([name]);
                continue;
            }
            if (currentBytes + bytes > maxBytes && current.Count > 0)
            {
                shards.Add(current);
                current = [];
                currentBytes = 0;
            }
            current.Add(name);
            currentBytes += bytes;
        }
        if (current.Count > 0 || shards.Count == 0)
            shards.Add(current);
        return shards;
    }

    /// <summary>Deletes weight files in <paramref name="directory"/> left by an earlier save in another layout.</summary>
    public static void RemoveStale(string directory, IReadOnlyCollection<string> written, bool keepIndex)
    {
        var keep = new HashSet<string>(written, StringComparer.Ordinal);
        if (!keepIndex)
            File.Delete(Path.Combine(directory, SafeTensorsIndex.FileName));
        foreach (string path in Directory.EnumerateFiles(directory))
        {
            string name = Path.GetFileName(path);
            if (!keep.Contains(name) && (name == HfCheckpoint.WeightsFile || ShardName().IsMatch(name)))
                File.Delete(path);
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardName();
}
