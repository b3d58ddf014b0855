using Akka.Configuration;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// The HOCON every node combines into its ActorSystem config (<c>nodeConfig.WithFallback(RemitHocon.Config)</c>):
/// binds <see cref="RemitSerializer"/> to <see cref="IRemitMessage"/> under a fixed id, puts
/// <see cref="NonProtocolSerializer"/> in place of Akka's default JSON serializer (so no remote payload
/// can name an arbitrary .NET type to build), sizes the remote
/// frame explicitly with <see cref="MaxMessageBytes"/> safely below it, and sets the split-brain resolver
/// (keep-majority) explicitly rather than trusting library defaults.
/// </summary>
public static class RemitHocon
{
    /// <summary>Serializer id on the wire; never change it (nodes of different builds must agree).</summary>
    public const int SerializerId = 117;

    /// <summary><c>akka.remote.dot-netty.tcp.maximum-frame-size</c>, also the socket send/receive buffer size.</summary>
    public const int MaximumFrameSizeBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Largest serialized message: 1 MiB under the frame, which leaves Akka's envelope (recipient and
    /// sender paths, manifest, sequence numbers; well under 1 KiB) ample room.
    /// </summary>
    public const int MaxMessageBytes = 3 * 1024 * 1024;

    /// <summary>Room the serializer insists on between its cap and the frame size (checked at startup).</summary>
    public const int EnvelopeMarginBytes = 64 * 1024;

    /// <summary>
    /// How long membership must be stable before the split-brain resolver downs the minority: long
    /// enough that a full GC, a checkpoint write or a brief network stall does not cost a node.
    /// </summary>
    public static readonly TimeSpan SplitBrainStableAfter = TimeSpan.FromSeconds(20);

    /// <summary>Heartbeats a node may miss (as time) before it counts as unreachable; Akka's default is 3 s.</summary>
    public static readonly TimeSpan AcceptableHeartbeatPause = TimeSpan.FromSeconds(10);

    /// <summary>Resolution of Akka's scheduler; coarse because nothing we schedule needs better than 50 ms.</summary>
    public static readonly TimeSpan SchedulerTick = TimeSpan.FromMilliseconds(50);

    private static readonly string SerializerType = TypeName(typeof(RemitSerializer));
    private static readonly string MessageType = TypeName(typeof(IRemitMessage));
    private static readonly string RefusingType = TypeName(typeof(NonProtocolSerializer));

    /// <summary>The fragment as text (for logging the resolved config or splicing into other HOCON).</summary>
    public static string Text { get; } = $$"""
        akka.actor {
          serializers.remit = "{{SerializerType}}"
          serializers.json = "{{RefusingType}}"
          serialization-bindings { "{{MessageType}}" = remit }
          serialization-identifiers {
            "{{SerializerType}}" = {{SerializerId}}
            "{{RefusingType}}" = {{NonProtocolSerializer.Id}}
          }
          serialization-settings.remit {
            max-message-bytes = {{MaxMessageBytes}}b
            max-depth = {{RemitCodec.DefaultMaxDepth}}
          }
        }
        akka.remote.dot-netty.tcp {
          maximum-frame-size = {{MaximumFrameSizeBytes}}b
          send-buffer-size = {{MaximumFrameSizeBytes}}b
          receive-buffer-size = {{MaximumFrameSizeBytes}}b
        }
        akka.cluster {
          failure-detector.acceptable-heartbeat-pause = {{(int)AcceptableHeartbeatPause.TotalSeconds}}s
          downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
          split-brain-resolver {
            active-strategy = keep-majority
            stable-after = {{(int)SplitBrainStableAfter.TotalSeconds}}s
            down-all-when-unstable = on
          }
        }
        # Every timer here is a second or longer (heartbeats, gossip, leases); the 10 ms default tick woke each idle
        # node 100 times a second, part of the ~0.08 core an idle node burnt (bench/RESULTS.md, idle nodes).
        akka.scheduler.tick-duration = {{(int)SchedulerTick.TotalMilliseconds}}ms
        """;

    /// <summary>
    /// The fragment parsed, over the cluster singleton's defaults (its handover messages' serializer among
    /// them, so they never fall through to the refusing default serializer); use as a fallback under
    /// node-specific settings.
    /// </summary>
    public static Config Config { get; } = ConfigurationFactory.ParseString(Text).WithFallback(Akka.Cluster.Tools.Singleton.ClusterSingleton.DefaultConfig());

    private static string TypeName(Type t) => $"{t.FullName}, {t.Assembly.GetName().Name}";
}
