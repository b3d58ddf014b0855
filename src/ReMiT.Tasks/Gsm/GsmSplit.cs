namespace ReMiT.Tasks.Gsm;

/// <summary>Difficulty splits of the Interplay study: in-distribution op 2–10, OOD-edge 11–14, OOD-hard 15–20.</summary>
public enum GsmSplit
{
    Id,
    Edge,
    Hard,
}
