using System.Text.Json;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Optim;
using static TorchSharp.torch;

namespace ReMiT.Training.Checkpoints;

/// <summary>
/// A resumable training checkpoint: the model in Hugging Face layout (so any checkpoint is also a
/// usable model directory), the optimizer's flat buffers in <c>optimizer.safetensors</c>, and
/// <c>state.json</c>. Written to a temporary folder and renamed into place, so a crash mid-write
/// leaves the previous checkpoint intact; <c>state.json</c> is written last and marks it complete.
/// </summary>
public static class TrainingCheckpoint
{
    public const string StateFile = "state.json";
    public const string OptimizerFile = "optimizer.safetensors";

    public static void Save(string directory, DecoderModel model, FlatAdamW optimizer, CheckpointMeta meta)
    {
        string full = Path.GetFullPath(directory);
        string tmp = full.TrimEnd(Path.DirectorySeparatorChar) + $".tmp-{Environment.ProcessId}";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);

        HfCheckpoint.Save(model, tmp);
        using (var scope = NewDisposeScope())
        {
            SafeTensorsFile.Save(Path.Combine(tmp, OptimizerFile), new Dictionary<string, Tensor>
            {
                ["master"] = optimizer.Master, ["exp_avg"] = optimizer.ExpAvg, ["exp_avg_sq"] = optimizer.ExpAvgSq,
                ["step"] = tensor(new[] { optimizer.StepCount }),
            });
        }
        File.WriteAllText(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(meta, CheckpointMeta.Json));

        if (Directory.Exists(full))
        {
            string old = full + $".old-{Environment.ProcessId}";
            Directory.Move(full, old);
            Directory.Move(tmp, full);
            Directory.Delete(old, recursive: true);
        }
        else Directory.Move(tmp, full);
    }

    /// <summary>True when <paramref name="directory"/> holds a complete checkpoint.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, StateFile));

    public static CheckpointMeta ReadMeta(string directory)
    {
        string path = Path.Combine(directory, StateFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{directory}' is not a training checkpoint: {StateFile} is missing.", path);
        try
        {
            var meta = JsonSerializer.Deserialize<CheckpointMeta>(File.ReadAllText(path), CheckpointMeta.Json)
                       ?? throw new InvalidDataException($"{path}: empty checkpoint state.");
            if (meta.Format != CheckpointMeta.CurrentFormat)
                throw new InvalidDataException($"{path}: checkpoint format {meta.Format}, this build reads format {CheckpointMeta.CurrentFormat}.");
            return meta;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: corrupt checkpoint state: {e.Message}", e);
        }
    }

    /// <summary>
    /// Resumes a stage: checks the checkpoint belongs to <paramref name="stage"/>, copies its weights into
    /// <paramref name="model"/> and its state into <paramref name="optimizer"/>, and returns its meta.
    /// </summary>
    public static CheckpointMeta Restore(string directory, string stage, DecoderModel model, FlatAdamW optimizer)
    {
        var meta = ReadMeta(directory);
        if (meta.Stage != stage)
            throw new InvalidDataException($"{directory}: checkpoint of stage '{meta.Stage}', expected '{stage}'; delete it or use another run directory.");
        using (var loaded = HfCheckpoint.Load(directory))
        using (no_grad())
        {
            var source = loaded.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, p) in model.named_parameters()) p.copy_(source[name]);
        }
        LoadOptimizer(directory, optimizer);
        return meta;
    }

    /// <summary>Loads the optimizer state into <paramref name="optimizer"/> (built for the same model) and writes its masters into the model.</summary>
    public static void LoadOptimizer(string directory, FlatAdamW optimizer)
    {
        string path = Path.Combine(directory, OptimizerFile);
        using var scope = NewDisposeScope();
        var tensors = SafeTensorsFile.Load(path);
        foreach (string name in new[] { "master", "exp_avg", "exp_avg_sq", "step" })
            if (!tensors.ContainsKey(name))
                throw new InvalidDataException($"{path}: tensor '{name}' is missing.");
        if (tensors["master"].numel() != optimizer.ParameterCount)
            throw new InvalidDataException($"{path}: optimizer state holds {tensors["master"].numel()} parameters, the model has {optimizer.ParameterCount}.");
        using (no_grad())
        {
            optimizer.Master.copy_(tensors["master"]);
            optimizer.ExpAvg.copy_(tensors["exp_avg"]);
            optimizer.ExpAvgSq.copy_(tensors["exp_avg_sq"]);
        }
        optimizer.StepCount = tensors["step"].item<long>();
        optimizer.WriteMasterToModel();
    }
}
