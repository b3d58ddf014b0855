namespace ReMiT.Tasks.Gsm;

/// <summary>
/// Forward: compute the asked quantity from given ones ("normalforward" in GSM-Infinite).
/// Reverse: a leaf is unknown, a downstream total is given, and the trace solves a linear
/// equation for the leaf ("forwardreverse").
/// </summary>
public enum GsmMode
{
    Forward,
    Reverse,
}
