using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// A model directory in Hugging Face layout: <c>config.json</c> + <c>model.safetensors</c> (or
/// <c>model.safetensors.index.json</c> and its shards) (+ the tokenizer's <c>tokenizer.json</c> and
/// <c>generation_config.json</c> when there are). Loading is a key-for-key copy into the module's
/// Hugging Face-named parameters, after checking the config's bounds and that every tensor is present,
/// expected, and of the right shape and dtype — so a bad file is reported before anything is allocated,
/// never half-loaded. Tensors stream one at a time from their shard, so loading needs the model's own
/// size plus one tensor.
/// </summary>
public static class HfCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string TokenizerFile = "tokenizer.json";

    /// <summary>Loads the model in <paramref name="directory"/> onto <paramref name="device"/> in <paramref name="dtype"/> (default: float32).</summary>
    public static DecoderModel Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Model directory '{directory}' does not exist.");
        string configPath = Path.Combine(directory, ConfigFile);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"'{directory}' is not a model directory: {ConfigFile} is missing.", configPath);
        if (!SafeTensorsCheckpoint.Exists(directory))
            throw new FileNotFoundException(
                $"'{directory}' is not a model directory: {WeightsFile} is missing (and there is no {SafeTensorsIndex.FileName}).",
                Path.Combine(directory, WeightsFile));

        DecoderConfig config = HfConfig.Load(configPath); // bounds checked here, before any allocation
        using var weights = SafeTensorsCheckpoint.Open(directory);
        // Check names, shapes and dtypes from the headers before reading any tensor data.
        CheckTensors(weights, config);

        // Built in the requested dtype, not float32 then cast: a bfloat16 load then peaks at the model's own size plus
        // the tensor being read, not at a float32 model (a Llama-3.2-1B shape: 5.6 GB resident before, see bench/RESULTS.md).
        var model = new DecoderModel(config, dtype);
        try
        {
            foreach (var (name, parameter) in model.named_parameters())
                weights.ReadInto(name, parameter); // converts the stored dtype (e.g. bf16) to the parameter's
            model.to(device ?? CPU, dtype);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes config.json and the weights (parameters in <paramref name="dtype"/>); HF transformers loads
    /// the result. Past <paramref name="maxShardBytes"/> the weights are split as transformers splits them:
    /// <c>model-00001-of-0000N.safetensors</c> … plus <c>model.safetensors.index.json</c>; weight files of an
    /// earlier save in the other layout are removed, so the directory holds one set.
    /// </summary>
    /// <param name="maxShardBytes">Largest shard in bytes (a bigger single tensor gets a shard of its own); null: one file.</param>
    public static void Save(DecoderModel model, string directory, ScalarType dtype = ScalarType.Float32, long? maxShardBytes = null)
    {
        Directory.CreateDirectory(directory);
        string dtypeName = dtype switch
        {
            ScalarType.Float32 => "float32",
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Float16 => "float16",
            _ => throw new ArgumentException($"checkpoints are saved as float32, bfloat16 or float16, not {dtype}.", nameof(dtype)),
        };
        if (maxShardBytes is <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxShardBytes), maxShardBytes, "the largest shard must be at least one byte.");
        var parameters = model.named_parameters().ToList();
        long elementSize = dtype == ScalarType.Float32 ? 4 : 2;
        var shards = SafeTensorsShards.Plan(parameters.Select(p => (p.name, p.parameter.NumberOfElements * elementSize)), maxShardBytes ?? long.MaxValue);
        var byName = parameters.ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);

        var written = new List<string>();
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string file = shards.Count == 1 ? WeightsFile : SafeTensorsShards.FileName(i, shards.Count);
            // One shard's converted copy at a time: saving needs the model plus one shard.
            using (var scope = NewDisposeScope())
            {
                var tensors = shards[i].Select(name => new KeyValuePair<string, Tensor>(name, byName[name].detach().to(dtype))).ToList();
                SafeTensorsFile.Save(Path.Combine(directory, file), tensors, SafeTensorsFile.PyTorchMetadata);
            }
            written.Add(file);
            foreach (string name in shards[i]) weightMap[name] = file;
        }
        if (shards.Count > 1)
        {
            long total = parameters.Sum(p => p.parameter.NumberOfElements * elementSize);
            string indexPath = Path.Combine(directory, SafeTensorsIndex.FileName), temp = indexPath + ".tmp";
            File.WriteAllText(temp, new SafeTensorsIndex(weightMap, total).ToJson());
            File.Move(temp, indexPath, overwrite: true);
        }
        SafeTensorsShards.RemoveStale(directory, written, keepIndex: shards.Count > 1);
        HfConfig.Save(model.Config, Path.Combine(directory, ConfigFile), dtypeName);
    }

    /// <summary>Every problem between the headers and what <paramref name="config"/> needs, all at once, naming the file when sharded.</summary>
    private static void CheckTensors(SafeTensorsCheckpoint weights, DecoderConfig config)
    {
        var problems = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        string In(SafeTensorsCheckpoint.Located at) => weights.IsSharded ? $" (in {Path.GetFileName(at.File)})" : "";
        foreach (var (name, shape) in HfTensorLayout.Expected(config))
        {
            expected.Add(name);
            if (!weights.Tensors.TryGetValue(name, out var at)) { problems.Add($"missing tensor '{name}' [{string.Join(",", shape)}]"); continue; }
            var entry = at.Entry;
            if (!entry.Shape.SequenceEqual(shape))
                problems.Add($"tensor '{name}' has shape {entry.ShapeText}, the config needs [{string.Join(",", shape)}]{In(at)}");
            if (entry.DType is not ("F32" or "BF16" or "F16"))
                problems.Add($"tensor '{name}' is {entry.DType}; weights must be F32, BF16 or F16{In(at)}");
        }
        foreach (var (name, at) in weights.Tensors.Where(t => !expected.Contains(t.Key)))
        {
            // Tied checkpoints may still carry lm_head.weight; transformers ignores it, and so do we.
            if (name == "lm_head.weight" && config.TieWordEmbeddings) continue;
            problems.Add($"unexpected tensor '{name}' (renamed, or a different architecture?){In(at)}");
        }
        if (problems.Count > 0)
        {
            string source = weights.IsSharded ? Path.Combine(Path.GetDirectoryName(weights.Files[0])!, SafeTensorsIndex.FileName) : weights.Files[0];
            throw new InvalidDataException($"{source}: does not match {ConfigFile}:\n  " + string.Join("\n  ", problems.Take(20)) +
                                           (problems.Count > 20 ? $"\n  … and {problems.Count - 20} more" : ""));
        }
    }
}
