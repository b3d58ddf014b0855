using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// Takes the place of Akka's default serializer (Newtonsoft JSON, bound to <c>System.Object</c> under
/// id 1), which would build any .NET type a payload names, from any node that can reach the port. The
/// receiver picks the serializer by the id the sender writes, not by its own bindings, so replacing the
/// binding is not enough: <see cref="RemitHocon"/> puts this class under the <c>json</c> name and id 1.
/// Inbound payloads that claim it are refused (Akka.Remote drops them with a warning, the association
/// stays up) and counted through <see cref="Refused"/>; outbound, a message that is neither an
/// <see cref="IRemitMessage"/> nor one of Akka's own fails on the sender, naming its type.
/// </summary>
public sealed class NonProtocolSerializer : Serializer
{
    /// <summary>The id Akka's Newtonsoft serializer had (set for this class in <see cref="RemitHocon"/>); payloads written with it now land here.</summary>
    public const int Id = 1;

    private long _refused;

    /// <summary>Used by Akka when <c>akka.actor.serialization-settings.json</c> is absent.</summary>
    public NonProtocolSerializer(ExtendedActorSystem system) : base(system)
    {
    }

    /// <summary>Used by Akka with <c>akka.actor.serialization-settings.json</c> (Akka's defaults have one; nothing in it applies here).</summary>
    public NonProtocolSerializer(ExtendedActorSystem system, Akka.Configuration.Config config) : base(system)
    {
    }

    /// <summary>Raised once per refused inbound payload, with the type name it claimed.</summary>
    public event Action<string>? Refused;

    /// <summary>Inbound payloads refused so far.</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException(
            $"{obj.GetType().FullName} is not a ReMiT protocol message and has no Akka serializer; only IRemitMessage types " +
            "(Messages/Protocol.cs) cross nodes. Make it one, or keep it local to its node.");

    public override object FromBinary(byte[] bytes, Type type)
    {
        Interlocked.Increment(ref _refused);
        string claimed = type?.FullName ?? "(no type)";
        Refused?.Invoke(claimed);
        throw new SerializationException(
            $"refused a {bytes.Length:N0}-byte payload for serializer id {Id} (type {claimed}): this node decodes only ReMiT protocol messages and Akka's own.");
    }
}
