namespace ReMiT.Training.Checkpoints;

/// <summary>
/// The optimizer state a model folder was left in, kept beside its weights so a later stage can
/// continue that run rather than start a fresh optimizer: pre-training keeps its state at the start
/// of the decay beside <c>models/base</c> (AdamW master weights, moments, step count in
/// <c>optimizer.safetensors</c>; the stage and step in <c>trainer_state.json</c>), and every
/// mid-training arm continues from it. Nothing deletes model folders, so the state outlives the
/// stages that read it.
/// </summary>
public static class ContinuationState
{
    /// <summary>The stage and step the state was taken at (a <see cref="CheckpointMeta"/>); not <c>state.json</c>, so the model folder is not mistaken for a resumable checkpoint.</summary>
    public const string StateFile = "trainer_state.json";

    /// <summary>Copies the optimizer state of the checkpoint in <paramref name="checkpointDir"/> beside the model in <paramref name="modelDir"/>.</summary>
    public static void Keep(string checkpointDir, string modelDir)
    {
        string checkpoint = TrainingCheckpoint.Resolve(checkpointDir)
            ?? throw new InvalidOperationException($"{checkpointDir}: no finished checkpoint to keep beside {modelDir}; the stage must checkpoint its last step.");
        Directory.CreateDirectory(modelDir);
        File.Copy(Path.Combine(checkpoint, TrainingCheckpoint.OptimizerFile), Path.Combine(modelDir, TrainingCheckpoint.OptimizerFile), overwrite: true);
        File.Copy(Path.Combine(checkpoint, TrainingCheckpoint.StateFile), Path.Combine(modelDir, StateFile), overwrite: true);
    }

    /// <summary>True when <paramref name="modelDir"/> holds a kept optimizer state.</summary>
    public static bool Exists(string modelDir) =>
        File.Exists(Path.Combine(modelDir, TrainingCheckpoint.OptimizerFile)) && File.Exists(Path.Combine(modelDir, StateFile));
}
