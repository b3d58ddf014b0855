using System.Text.Json;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Distributed;
using ReMiT.Training.Optim;
using ReMiT.Training.Storage;
using static TorchSharp.torch;

namespace ReMiT.Training.Checkpoints;

/// <summary>
/// A resumable training checkpoint: the model in Hugging Face layout (so every checkpoint folder is also
/// a usable model directory), the optimizer's flat buffers in <c>optimizer.safetensors</c>, and
/// <c>state.json</c>. A checkpoint directory holds one folder per saved step (<c>step-000120</c>) and a
/// pointer file, <c>current</c>, naming the newest complete one. A save writes a fresh step folder,
/// fsyncs its files and the folder, then switches the pointer by writing a temporary file, fsyncing it
/// and renaming it over <c>current</c> (atomic), and fsyncs the directory; only then are older
/// folders deleted. A kill at any instant therefore leaves <c>current</c> naming a complete
/// checkpoint (the old one or the new one); the next save removes what an interrupted one left.
/// A directory from before the pointer (the files directly inside it) is still read.
/// </summary>
public static class TrainingCheckpoint
{
    public const string StateFile = "state.json";
    public const string OptimizerFile = "optimizer.safetensors";
    /// <summary>The pointer file: one line, the name of the newest complete step folder.</summary>
    public const string PointerFile = "current";
    private const string StepPrefix = "step-";

    /// <summary>The points of a save, in order, where a test can simulate a kill.</summary>
    internal enum SavePoint { FolderCreated, ModelWritten, OptimizerWritten, StateWritten, Synced, PointerWritten, PointerSwitched, OldRemoved }

    /// <summary>Saves a checkpoint of one process's training.</summary>
    public static void Save(string directory, DecoderModel model, FlatAdamW optimizer, CheckpointMeta meta) =>
        Save(directory, model, optimizer, meta, collective: null);

    /// <summary>
    /// Saves a checkpoint of data-parallel training: every rank calls it and rank 0 writes. The optimizer state is
    /// written in the full flat layout of one process, so a run resumes on any rank count; a ZeRO-1 state is gathered
    /// from the ranks one buffer at a time while rank 0 streams it to the file: rank 0 holds one full buffer (4 bytes per
    /// parameter) for the save, the other ranks only the optimizer's bucket-sized staging.
    /// </summary>
    /// <exception cref="InvalidOperationException">The optimizer is sharded and <paramref name="collective"/> is not its ranks.</exception>
    public static void Save(string directory, DecoderModel model, FlatAdamW optimizer, CheckpointMeta meta, ICollective? collective)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer.IsSharded && !DataParallel.IsDistributed(collective))
            throw new InvalidOperationException("a ZeRO-1 optimizer's state is spread over the ranks: pass their collective, and call Save on every rank.");
        if (DataParallel.IsLead(collective))
            Save(directory, model, optimizer, meta, reached: null);
        else if (optimizer.IsSharded)
            foreach (string name in FlatAdamW.StateNames)
                optimizer.GatherState(name, into: null); // the gathers rank 0 makes while writing, in its order
    }

    /// <param name="reached">Called at each <see cref="SavePoint"/>; a test throws from it to stop the save there, as a kill would.</param>
    internal static void Save(string directory, DecoderModel model, FlatAdamW optimizer, CheckpointMeta meta, Action<SavePoint>? reached)
    {
        string full = Path.GetFullPath(directory);
        try
        {
            Directory.CreateDirectory(full);
            string? current = CurrentName(full);
            RemoveLeftovers(full, keep: current);
            // A fresh name even when this step was saved before (a resumed stage re-saving its last step).
            string name = $"{StepPrefix}{meta.Step:D9}";
            if (name == current || Directory.Exists(Path.Combine(full, name))) name += $"-{Guid.NewGuid():N}"[..9];
            string folder = Path.Combine(full, name);
            Directory.CreateDirectory(folder);
            reached?.Invoke(SavePoint.FolderCreated);

            HfCheckpoint.Save(model, folder);
            reached?.Invoke(SavePoint.ModelWritten);
            SaveOptimizer(Path.Combine(folder, OptimizerFile), optimizer);
            reached?.Invoke(SavePoint.OptimizerWritten);
            File.WriteAllText(Path.Combine(folder, StateFile), JsonSerializer.Serialize(meta, CheckpointMeta.Json));
            reached?.Invoke(SavePoint.StateWritten);
            foreach (string file in Directory.GetFiles(folder)) Fsync.File(file);
            Fsync.Directory(folder);
            Fsync.Directory(full); // the new folder's entry is on disk before the pointer can name it
            reached?.Invoke(SavePoint.Synced);

            string temp = Path.Combine(full, $"{PointerFile}.tmp-{Environment.ProcessId}");
            Fsync.WriteText(temp, name + "\n");
            reached?.Invoke(SavePoint.PointerWritten);
            File.Move(temp, Path.Combine(full, PointerFile), overwrite: true);
            Fsync.Directory(full);
            reached?.Invoke(SavePoint.PointerSwitched);

            RemoveLeftovers(full, keep: name);
            reached?.Invoke(SavePoint.OldRemoved);
        }
        catch (IOException e) when (DiskFull.Is(e) && e is not DiskFullException)
        {
            throw DiskFull.Explain(e, full, $"the {meta.Stage} checkpoint of step {meta.Step}");
        }
    }

    // Unsharded: the buffers themselves. ZeRO-1: every entry is one full-length buffer, which each tensor's gather
    // fills just before the file takes its bytes; the other ranks make the same gathers in StateNames order, the
    // file's (one dtype, so sorted by name), which is checked here before each one.
    private static void SaveOptimizer(string path, FlatAdamW optimizer)
    {
        using var scope = NewDisposeScope();
        var entries = new Dictionary<string, Tensor> { ["step"] = tensor(new[] { optimizer.StepCount }) };
        var gathered = optimizer.IsSharded ? empty(optimizer.ParameterCount, ScalarType.Float32, optimizer.Master.device) : null;
        foreach (string name in FlatAdamW.StateNames)
            entries[name] = gathered ?? optimizer.FullState(name);
        int next = 0;
        Action<string>? gather = !optimizer.IsSharded ? null : name =>
        {
            if (name == "step") return;
            if (next >= FlatAdamW.StateNames.Count || name != FlatAdamW.StateNames[next])
                throw new InvalidOperationException(
                    $"{path}: the file writes '{name}' where the other ranks gather '{(next < FlatAdamW.StateNames.Count ? FlatAdamW.StateNames[next] : "nothing")}'; FlatAdamW.StateNames must list the buffers in file order.");
            next++;
            optimizer.GatherState(name, gathered);
        };
        SafeTensorsFile.Save(path, entries, beforeWrite: gather);
    }

    /// <summary>
    /// The folder holding the newest complete checkpoint in <paramref name="directory"/> (a step folder,
    /// or the directory itself in the layout before the pointer), or null when there is none.
    /// </summary>
    /// <exception cref="InvalidDataException">The pointer names something that is not a complete checkpoint.</exception>
    public static string? Resolve(string directory)
    {
        if (CurrentName(directory) is { } name)
        {
            string folder = Path.Combine(directory, name);
            if (!File.Exists(Path.Combine(folder, StateFile)))
                throw new InvalidDataException(
                    $"{Path.Combine(directory, PointerFile)} names '{name}', which holds no {StateFile}: the checkpoint is damaged. " +
                    $"Delete {directory} to restart that stage from its beginning.");
            return folder;
        }
        return File.Exists(Path.Combine(directory, StateFile)) ? directory : null;
    }

    /// <summary>True when <paramref name="directory"/> holds a complete checkpoint.</summary>
    public static bool Exists(string directory) => Resolve(directory) is not null;

    // The step folder the pointer names, or null without a pointer; a name that could leave the directory is refused.
    private static string? CurrentName(string directory)
    {
        string pointer = Path.Combine(directory, PointerFile);
        if (!File.Exists(pointer)) return null;
        string name = File.ReadAllText(pointer).Trim();
        if (!name.StartsWith(StepPrefix, StringComparison.Ordinal) || name.IndexOfAny(['/', '\\']) >= 0 || name.Contains(".."))
            throw new InvalidDataException($"{pointer}: '{name}' is not a checkpoint folder name ({StepPrefix}N). Delete {directory} to restart that stage from its beginning.");
        return name;
    }

    // Everything an interrupted save (or a replaced checkpoint) left: step folders other than keep, pointer
    // temporaries, and, once the pointer exists, the files of the layout before it. Without a pointer the
    // top-level files may be the only complete checkpoint, so they stay.
    private static void RemoveLeftovers(string directory, string? keep)
    {
        foreach (string folder in Directory.GetDirectories(directory))
            if (Path.GetFileName(folder) != keep)
                Directory.Delete(folder, recursive: true);
        foreach (string file in Directory.GetFiles(directory))
        {
            string fileName = Path.GetFileName(file);
            bool pointerTemp = fileName.StartsWith(PointerFile + ".tmp-", StringComparison.Ordinal);
            if (pointerTemp || (keep is not null && fileName != PointerFile)) File.Delete(file);
        }
    }

    public static CheckpointMeta ReadMeta(string directory)
    {
        string path = Path.Combine(Resolve(directory) ?? directory, StateFile);
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
        string folder = Resolve(directory)!; // ReadMeta found it
        using (var loaded = HfCheckpoint.Load(folder))
        using (no_grad())
        {
            var source = loaded.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, p) in model.named_parameters()) p.copy_(source[name]);
        }
        LoadOptimizer(folder, optimizer);
        return meta;
    }

    /// <summary>
    /// Loads the optimizer state into <paramref name="optimizer"/> (built for the same model) and writes its
    /// masters into the model; <paramref name="directory"/> is a checkpoint directory or a folder holding the files.
    /// The file holds the full flat layout, so any rank count reads it; a ZeRO-1 rank keeps its shard (every rank calls this).
    /// </summary>
    public static void LoadOptimizer(string directory, FlatAdamW optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        string path = Path.Combine(Resolve(directory) ?? directory, OptimizerFile);
        // Checked from the header before anything is read; then each buffer streams in on its own, so loading holds
        // no second copy of the state (a ZeRO-1 rank reads each into one full-length host buffer and keeps its shard).
        var entries = SafeTensorsFile.ReadHeader(path).Tensors.ToDictionary(e => e.Name);
        foreach (string name in FlatAdamW.StateNames.Append("step"))
            if (!entries.ContainsKey(name))
                throw new InvalidDataException($"{path}: tensor '{name}' is missing.");
        foreach (string name in FlatAdamW.StateNames)
        {
            var e = entries[name];
            if (e.ElementCount != optimizer.ParameterCount || e.DType != "F32")
                throw new InvalidDataException(
                    $"{path}: optimizer tensor '{name}' is {e.DType} {e.ShapeText}, the model needs F32 [{optimizer.ParameterCount}]; the checkpoint is of another model.");
        }
        long step;
        using (var stepTensor = zeros(entries["step"].ElementCount, ScalarType.Int64))
        {
            SafeTensorsFile.ReadInto(path, "step", stepTensor);
            step = stepTensor.item<long>();
        }
        optimizer.LoadState((name, destination) => SafeTensorsFile.ReadInto(path, name, destination), step);
    }
}
