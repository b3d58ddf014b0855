using MessagePack;
using ReMiT.Cluster.Messages;

// Test-only message types: never registered by the production registry (it scans ReMiT.Cluster only).
namespace ReMiT.Cluster.Tests.Messages.Serialization.Duplicates
{
    /// <summary>Same short name as the real <see cref="ReMiT.Cluster.Messages.RequestWork"/>.</summary>
    [MessagePackObject]
    public sealed record RequestWork([property: Key(0)] int Count) : IRemitMessage;

    /// <summary>An IRemitMessage its author forgot to make a MessagePack contract.</summary>
    public sealed record NotAContract(int Count) : IRemitMessage;
}
