namespace ReMiT.Training.Storage;

/// <summary>A write failed because the disk is full; the message names the path and says how to continue.</summary>
public sealed class DiskFullException : IOException
{
    public DiskFullException(string message, IOException inner) : base(message, inner) => HResult = inner.HResult;
}
