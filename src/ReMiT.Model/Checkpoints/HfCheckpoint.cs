using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// A model directory in Hugging Face layout: <c>config.json</c> + <c>model.safetensors</c> (+ the
/// tokenizer's <c>tokenizer.json</c> when there is one). Loading is a key-for-key copy into the
/// module's Hugging Face-named parameters, after checking that every tensor is present, expected,
/// and of the right shape — so a bad file is reported, never half-loaded.
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
        string configPath = Path.Combine(directory, ConfigFile), weightsPath = Path.Combine(directory, WeightsFile);
        foreach (string required in new[] { configPath, weightsPath })
            if (!File.Exists(required))
                throw new FileNotFoundException($"'{directory}' is not a model directory: {Path.GetFileName(required)} is missing.", required);

        DecoderConfig config = HfConfig.Load(configPath);
        // Check names and shapes from the header before reading any tensor data.
        CheckTensors(SafeTensorsFile.ReadHeader(weightsPath), config, weightsPath);

        var model = new DecoderModel(config);
        try
        {
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var tensors = SafeTensorsFile.Load(weightsPath);
                foreach (var (name, parameter) in model.named_parameters())
                    parameter.copy_(tensors[name]); // converts the stored dtype (e.g. bf16) to the parameter's
            }
            model.to(device ?? CPU, dtype);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Writes config.json and model.safetensors (parameters in <paramref name="dtype"/>); HF transformers loads the result.</summary>
    public static void Save(DecoderModel model, string directory, ScalarType dtype = ScalarType.Float32)
    {
        Directory.CreateDirectory(directory);
        string dtypeName = dtype switch
        {
            ScalarType.Float32 => "float32",
            ScalarType.BFloat16 => "bfloat16",
            ScalarType.Float16 => "float16",
            _ => throw new ArgumentException($"checkpoints are saved as float32, bfloat16 or float16, not {dtype}.", nameof(dtype)),
        };
        using var scope = NewDisposeScope();
        var tensors = model.named_parameters()
            .Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().to(dtype)))
            .ToList();
        SafeTensorsFile.Save(Path.Combine(directory, WeightsFile), tensors, SafeTensorsFile.PyTorchMetadata);
        HfConfig.Save(model.Config, Path.Combine(directory, ConfigFile), dtypeName);
    }

    /// <summary>Every problem between the header and what <paramref name="config"/> needs, all at once.</summary>
    private static void CheckTensors(SafeTensorsHeader header, DecoderConfig config, string path)
    {
        Dictionary<string, long[]> expected;
        using (var probe = new DecoderModel(config with { NumHiddenLayers = 1 }))
        {
            // Shapes per layer are the same, so a one-layer model gives the templates.
            var single = probe.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
            expected = new Dictionary<string, long[]>();
            foreach (var (name, shape) in single)
            {
                if (!name.StartsWith("model.layers.0.", StringComparison.Ordinal)) { expected[name] = shape; continue; }
                for (int i = 0; i < config.NumHiddenLayers; i++)
                    expected["model.layers." + i + name["model.layers.0".Length..]] = shape;
            }
        }
        var problems = new List<string>();
        var found = header.Tensors.ToDictionary(t => t.Name);
        foreach (var (name, shape) in expected)
        {
            if (!found.TryGetValue(name, out var entry)) { problems.Add($"missing tensor '{name}' [{string.Join(",", shape)}]"); continue; }
            if (!entry.Shape.SequenceEqual(shape))
                problems.Add($"tensor '{name}' has shape {entry.ShapeText}, the config needs [{string.Join(",", shape)}]");
            if (entry.DType is not ("F32" or "BF16" or "F16"))
                problems.Add($"tensor '{name}' is {entry.DType}; weights must be F32, BF16 or F16");
        }
        foreach (var name in found.Keys.Where(n => !expected.ContainsKey(n)))
        {
            // Tied checkpoints may still carry lm_head.weight; transformers ignores it, and so do we.
            if (name == "lm_head.weight" && config.TieWordEmbeddings) continue;
            problems.Add($"unexpected tensor '{name}' (renamed, or a different architecture?)");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{path}: does not match {ConfigFile}:\n  " + string.Join("\n  ", problems.Take(20)) +
                                           (problems.Count > 20 ? $"\n  … and {problems.Count - 20} more" : ""));
    }
}
