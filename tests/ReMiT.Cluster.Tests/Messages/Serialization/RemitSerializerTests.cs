using System.Buffers;
using System.Runtime.Serialization;
using MessagePack;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;
using ReMiT.Cluster.Metrics;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

public sealed class RemitSerializerTests(LocalSystemFixture fixture) : IClassFixture<LocalSystemFixture>
{
    private const int SeedsPerType = 12;

    public static TheoryData<string> MessageTypes() => new(MessageRegistry.Default.Types.Select(t => t.Name));

    public static TheoryData<string> ContractTypes() => new(RandomMessages.AllContractTypes().Select(t => t.FullName!));

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void ToBinary_EveryMessageType_RoundTripsRandomInstances(string manifest)
    {
        Assert.True(MessageRegistry.Default.TryGetType(manifest, out var type));
        var serializer = fixture.Serializer;
        for (int seed = 0; seed < SeedsPerType; seed++)
        {
            var message = RandomMessages.Create(type, new Random(seed * 7919 + manifest.Length));
            Assert.Equal(manifest, serializer.Manifest(message));
            byte[] bytes = serializer.ToBinary(message);
            var back = serializer.FromBinary(bytes, manifest);
            DeepEqual.Assert(message, back);
            Assert.Equal(bytes, serializer.ToBinary(back));
        }
    }

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void Codec_EveryContractTypeIncludingNested_RoundTrips(string fullName)
    {
        var type = RandomMessages.AllContractTypes().Single(t => t.FullName == fullName);
        var options = MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);
        for (int seed = 0; seed < SeedsPerType; seed++)
        {
            var value = RandomMessages.Create(type, new Random(seed));
            byte[] bytes = MessagePackSerializer.Serialize(type, value, options);
            DeepEqual.Assert(value, MessagePackSerializer.Deserialize(type, bytes, options));
        }
    }

    [Fact]
    public void Registry_FindsEveryMessageInTheAssembly()
    {
        var declared = typeof(IRemitMessage).Assembly.GetTypes()
            .Where(t => typeof(IRemitMessage).IsAssignableFrom(t) && !t.IsInterface && !t.IsAbstract)
            .OrderBy(t => t.Name, StringComparer.Ordinal);
        Assert.Equal(declared, MessageRegistry.Default.Types);
        Assert.Contains(typeof(MessageChunk), MessageRegistry.Default.Types);
        Assert.Contains(typeof(RolloutsDone), MessageRegistry.Default.Types);
    }

    [Fact]
    public void Build_TwoTypesWithOneName_ThrowsNamingBoth()
    {
        var ex = Assert.Throws<InvalidOperationException>(() =>
            MessageRegistry.Build([typeof(RequestWork), typeof(Duplicates.RequestWork)]));
        Assert.Contains("'RequestWork'", ex.Message);
        Assert.Contains(typeof(Duplicates.RequestWork).FullName!, ex.Message);
    }

    [Fact]
    public void Build_MessageWithoutMessagePackObject_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => MessageRegistry.Build([typeof(Duplicates.NotAContract)]));
        Assert.Contains("[MessagePackObject]", ex.Message);
    }

    [Fact]
    public void ToBinary_AboveCap_ThrowsNamingTypeSizeAndChunker()
    {
        var serializer = fixture.WithCap(1000);
        var message = new GuideScored(7, new float[1000]);
        var ex = Assert.Throws<SerializationException>(() => serializer.ToBinary(message));
        Assert.Contains("GuideScored serializes to 5,", ex.Message);
        Assert.Contains("MaxMessageBytes = 1,000", ex.Message);
        Assert.Contains("Chunker.Tell", ex.Message);
        Assert.Empty(serializer.DropCounts);
    }

    [Fact]
    public void FromBinary_AboveCap_ThrowsAndCountsOversized()
    {
        var big = fixture.Serializer.ToBinary(new GuideScored(7, new float[1000]));
        var serializer = fixture.WithCap(1000);
        var metrics = new RemitMetrics();
        serializer.CountDropsIn(metrics);
        var ex = Assert.Throws<SerializationException>(() => serializer.FromBinary(big, nameof(GuideScored)));
        Assert.Equal($"ReMiT message [GuideScored] dropped (oversized): payload is {big.Length:N0} bytes, above the 1,000-byte cap.", ex.Message);
        Assert.Equal(1, serializer.DropCounts[DropReasons.Oversized]);
        Assert.Equal(1, metrics.MessagesDropped.WithLabels(DropReasons.Oversized).Value);
    }

    [Fact]
    public void FromBinary_UnknownManifest_ThrowsSerializationException()
    {
        var serializer = fixture.WithCap(1000);
        string? seen = null;
        serializer.Dropped += (reason, manifest) => seen = $"{reason}/{manifest}";
        var ex = Assert.Throws<SerializationException>(() => serializer.FromBinary([0x90], "NoSuchMessage"));
        Assert.StartsWith("ReMiT message [NoSuchMessage] dropped (unknown_manifest)", ex.Message);
        Assert.Equal("unknown_manifest/NoSuchMessage", seen);
    }

    [Fact]
    public void FromBinary_NullInNonNullableField_IsMalformed()
    {
        // RolloutsDone(WorkId, Stage, Step, Rollouts) with Rollouts = [record whose PromptIds is nil].
        var buffer = new ArrayBufferWriter<byte>();
        var w = new MessagePackWriter(buffer);
        w.WriteArrayHeader(4); w.Write(1L); w.Write("rl"); w.Write(3);
        w.WriteArrayHeader(1);
        w.WriteArrayHeader(8); w.Write(0); w.WriteNil(); w.WriteArrayHeader(0); w.WriteArrayHeader(0); w.Write(1); w.Write(true); w.Write(0.0); w.Write(false);
        w.Flush();
        var ex = Assert.Throws<SerializationException>(() => fixture.WithCap(1000).FromBinary(buffer.WrittenSpan.ToArray(), nameof(RolloutsDone)));
        Assert.Contains("(malformed): RolloutsDone.Rollouts[0].PromptIds is null", ex.Message);
    }

    [Fact]
    public void FromBinary_NullableFieldNull_IsAccepted()
    {
        var serializer = fixture.Serializer;
        var message = new RunFinished(null);
        Assert.Equal(message, serializer.FromBinary(serializer.ToBinary(message), nameof(RunFinished)));
    }

    [Fact]
    public void FromBinary_TrailingBytes_IsMalformed()
    {
        var bytes = fixture.Serializer.ToBinary(new StageCompleted("rl")).Append((byte)0x01).ToArray();
        var ex = Assert.Throws<SerializationException>(() => fixture.WithCap(1000).FromBinary(bytes, nameof(StageCompleted)));
        Assert.Contains("1 trailing bytes", ex.Message);
    }
}
