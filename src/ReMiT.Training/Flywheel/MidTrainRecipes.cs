namespace ReMiT.Training.Flywheel;

/// <summary>The mid-training recipes <see cref="MidTrainSection.Recipe"/> names.</summary>
public static class MidTrainRecipes
{
    public const string Decay = "decay";
    public const string Interplay = "interplay";
}
