using System.CommandLine;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit convert</c>: rewrite a Hugging Face model directory in another dtype or shard size.</summary>
internal static class ConvertCommand
{
    // Small files a model directory carries beside its weights that tools (ours, transformers) read.
    private static readonly string[] Companions =
        [HfCheckpoint.TokenizerFile, HfGenerationConfig.FileName, "tokenizer_config.json", "special_tokens_map.json"];

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory (config.json + model.safetensors or model.safetensors.index.json and its shards).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Directory to write the converted model to.", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16 weights in the output.", DefaultValueFactory = _ => "float32" };
        var maxShard = MaxShardSizeOption.Create();
        var randomWeights = new Option<long?>("--random-weights")
        {
            Description = "Read only --model's config.json and write a model of that shape with random weights from this seed (N(0, 0.02)), " +
                          "for benchmarks and tests at sizes no checkpoint is at hand for.",
        };
        var command = new Command("convert",
            "Load a model directory (checked against its config before any weight is read) and write it again: in another dtype,\n" +
            "and split into model-00001-of-0000N.safetensors + model.safetensors.index.json past --max-shard-size, as transformers\n" +
            "does. tokenizer.json and generation_config.json (and tokenizer_config.json, special_tokens_map.json) are copied along.\n\n" +
            "With --random-weights SEED only config.json is read, and the model written has random weights of its shape.\n\n" +
            "Examples:\n  remit convert --model runs/tiny/models/base --out runs/tiny/base-bf16 --dtype bfloat16 --max-shard-size 200KB\n" +
            "  remit convert --model configs/llama-1b --random-weights 1 --out /tmp/llama-1b --dtype bfloat16 --max-shard-size 1GB")
            { model, outDir, dtype, maxShard, randomWeights };
        command.SetGuardedAction((p, output, _) =>
        {
            long shardBytes = MaxShardSizeOption.Bytes(p.GetValue(maxShard)!);
            TorchRuntime.EnsureLoaded();
            var type = TorchRuntime.ParseDtype(p.GetValue(dtype)!);
            string from = Path.GetFullPath(p.GetValue(model)!), to = Path.GetFullPath(p.GetValue(outDir)!);
            using var loaded = p.GetValue(randomWeights) is { } seed ? RandomModel(from, seed) : HfCheckpoint.Load(from);
            HfCheckpoint.Save(loaded, to, type, shardBytes);
            if (from != to)
                foreach (string file in Companions.Where(f => File.Exists(Path.Combine(from, f))))
                    File.Copy(Path.Combine(from, file), Path.Combine(to, file), overwrite: true);
            int shards = Directory.GetFiles(to, "model*.safetensors").Length;
            output.WriteLine($"convert: {loaded.Config.ModelType}, {loaded.Config.ParameterCount():N0} parameters, {type} → {shards} weight file(s) in {to}");
            return 0;
        });
        return command;
    }

    // A model of the config's shape (bounds checked before anything is allocated) with seeded N(0, 0.02) weights.
    private static DecoderModel RandomModel(string directory, long seed)
    {
        string path = Path.Combine(directory, HfCheckpoint.ConfigFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"--model: '{directory}' has no {HfCheckpoint.ConfigFile}; --random-weights needs the shape from it.", path);
        var model = new DecoderModel(HfConfig.Load(path));
        model.InitializeWeights(seed);
        return model;
    }
}
