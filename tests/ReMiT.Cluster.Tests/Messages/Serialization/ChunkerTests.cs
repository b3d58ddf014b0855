using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

public sealed class ChunkerTests
{
    public static TheoryData<string> MessageTypes() => new(MessageRegistry.Default.Types.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void SplitThenAdd_ShuffledWithDuplicates_RestoresTheMessage(string manifest)
    {
        Assert.True(MessageRegistry.Default.TryGetType(manifest, out var type));
        for (int seed = 0; seed < 4; seed++)
        {
            var rng = new Random(seed);
            var message = (IRemitMessage)RandomMessages.Create(type, rng);
            int size = RemitCodec.Default.Serialize(message).Length;
            foreach (int chunkBytes in new[] { 1, 2, 3, 7, 64, Math.Max(1, size / 2), size, size + 5 })
            {
                var chunks = Chunker.Split(message, chunkBytes);
                Assert.Equal((size + chunkBytes - 1) / chunkBytes, chunks.Count);
                Assert.All(chunks, c => Assert.True(c.Bytes.Length is > 0 && c.Bytes.Length <= chunkBytes));
                var delivery = chunks.Concat(chunks.Where(_ => rng.Next(4) == 0)).OrderBy(_ => rng.Next()).ToList();

                var drops = new List<string>();
                var assembler = new ChunkAssembler(onDropped: drops.Add);
                var completed = delivery.Select(assembler.Add).Where(m => m is not null).ToList();

                Assert.Single(completed);
                DeepEqual.Assert(message, completed[0]);
                Assert.Empty(drops);
                Assert.Equal(0, assembler.OpenStreams);
                Assert.Equal(0, assembler.BufferedBytes);
            }
        }
    }

    [Fact]
    public void Add_InterleavedStreams_CompletesEach()
    {
        var rng = new Random(5);
        var messages = Enumerable.Range(0, 5).Select(_ => RandomMessages.Create<RlStepBatch>(rng)).ToArray();
        var delivery = messages.SelectMany(m => Chunker.Split(m, 16)).OrderBy(_ => rng.Next()).ToList();
        var assembler = new ChunkAssembler();
        var completed = delivery.Select(assembler.Add).OfType<RlStepBatch>().ToList();
        Assert.Equal(5, completed.Count);
        foreach (var m in messages)
            DeepEqual.Assert(m, completed.Single(c => c.Step == m.Step && c.Stage == m.Stage && c.Rollouts.Length == m.Rollouts.Length));
    }

    [Fact]
    public void Add_DuplicateAfterCompletion_IsIgnored()
    {
        var chunks = Chunker.Split(new StageFailed("rl", new string('x', 100)), 10);
        var drops = new List<string>();
        var assembler = new ChunkAssembler(onDropped: drops.Add);
        Assert.NotNull(chunks.Select(assembler.Add).ToList()[^1]);
        Assert.Null(assembler.Add(chunks[3]));
        Assert.Equal(0, assembler.OpenStreams);
        Assert.Empty(drops);
    }

    [Theory]
    [InlineData("count")]
    [InlineData("manifest")]
    [InlineData("bytes")]
    public void Add_ChunkContradictsItsStream_DropsStreamAsMalformed(string contradiction)
    {
        var chunks = Chunker.Split(new StageFailed("rl", new string('x', 100)), 10);
        var drops = new List<string>();
        var assembler = new ChunkAssembler(onDropped: drops.Add);
        assembler.Add(chunks[0]);
        var bad = contradiction switch
        {
            "count" => chunks[1] with { Count = chunks[1].Count + 1 },
            "manifest" => chunks[1] with { Manifest = nameof(StageCompleted) },
            _ => chunks[0] with { Bytes = [.. chunks[0].Bytes.Reverse()] },
        };
        Assert.Null(assembler.Add(bad));
        Assert.Equal([DropReasons.Malformed], drops);
        Assert.Equal(0, assembler.OpenStreams);
        Assert.Equal(0, assembler.BufferedBytes);
    }

    [Theory]
    [InlineData(-1, 3)]
    [InlineData(3, 3)]
    [InlineData(0, 0)]
    [InlineData(0, int.MaxValue)]
    public void Add_IndexOrCountOutOfRange_IsMalformed(int index, int count)
    {
        var drops = new List<string>();
        var assembler = new ChunkAssembler(onDropped: drops.Add);
        Assert.Null(assembler.Add(new MessageChunk(1, index, count, nameof(StageCompleted), [0x91])));
        Assert.Equal([DropReasons.Malformed], drops);
        Assert.Equal(0, assembler.OpenStreams);
    }

    [Fact]
    public void Add_UnknownManifest_IsDropped()
    {
        var drops = new List<string>();
        var assembler = new ChunkAssembler(onDropped: drops.Add);
        Assert.Null(assembler.Add(new MessageChunk(1, 0, 1, "NoSuchMessage", [0x91])));
        Assert.Equal([DropReasons.UnknownManifest], drops);
    }

    [Fact]
    public void Add_CompleteStreamThatDoesNotDecode_IsMalformed()
    {
        var drops = new List<string>();
        var assembler = new ChunkAssembler(onDropped: drops.Add);
        Assert.Null(assembler.Add(new MessageChunk(1, 0, 2, nameof(StageCompleted), [0x91])));
        Assert.Null(assembler.Add(new MessageChunk(1, 1, 2, nameof(StageCompleted), [0x07])));
        Assert.Equal([DropReasons.Malformed], drops);
        Assert.Equal(0, assembler.OpenStreams);
    }

    [Fact]
    public void Sweep_StreamIdleLongerThanTimeout_IsDropped()
    {
        var time = new ManualTime();
        var drops = new List<string>();
        var assembler = new ChunkAssembler(timeout: TimeSpan.FromSeconds(30), time: time, onDropped: drops.Add);
        var chunks = Chunker.Split(new StageFailed("rl", new string('x', 100)), 10);
        assembler.Add(chunks[0]);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, assembler.Sweep());
        assembler.Add(chunks[1]);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, assembler.Sweep());
        Assert.Equal([DropReasons.ChunkTimeout], drops);
        Assert.Equal(0, assembler.OpenStreams);
        Assert.Equal(0, assembler.BufferedBytes);
    }

    [Fact]
    public void Add_MoreOpenStreamsThanAllowed_EvictsTheStalest()
    {
        var time = new ManualTime();
        var drops = new List<string>();
        var assembler = new ChunkAssembler(maxOpenStreams: 2, time: time, onDropped: drops.Add);
        var first = Chunker.Split(new StageFailed("a", new string('x', 50)), 10);
        var second = Chunker.Split(new StageFailed("b", new string('x', 50)), 10);
        var third = Chunker.Split(new StageFailed("c", new string('x', 50)), 10);
        assembler.Add(first[0]);
        time.Advance(TimeSpan.FromSeconds(1));
        assembler.Add(second[0]);
        time.Advance(TimeSpan.FromSeconds(1));
        assembler.Add(third[0]);
        Assert.Equal([DropReasons.ChunkOverflow], drops);
        Assert.Equal(2, assembler.OpenStreams);
        Assert.IsType<StageFailed>(second.Skip(1).Select(assembler.Add).ToList()[^1]);
        Assert.All(first.Skip(1), c => Assert.Null(assembler.Add(c))); // the evicted stream's late chunks are ignored
        Assert.Equal([DropReasons.ChunkOverflow], drops);
        Assert.Equal(1, assembler.OpenStreams);
    }

    [Fact]
    public void Add_MoreBufferedBytesThanAllowed_EvictsTheStalest()
    {
        var time = new ManualTime();
        var drops = new List<string>();
        var assembler = new ChunkAssembler(maxBufferedBytes: 100, maxMessageBytes: 100, time: time, onDropped: drops.Add);
        var first = Chunker.Split(new StageFailed("a", new string('x', 80)), 60);
        var second = Chunker.Split(new StageFailed("b", new string('y', 80)), 60);
        assembler.Add(first[0]);
        time.Advance(TimeSpan.FromSeconds(1));
        assembler.Add(second[0]);
        Assert.Equal([DropReasons.ChunkOverflow], drops);
        Assert.Equal(60, assembler.BufferedBytes);
        Assert.IsType<StageFailed>(assembler.Add(second[1]));
    }

    [Fact]
    public void Add_StreamLargerThanMaxMessage_IsOversized()
    {
        var drops = new List<string>();
        var assembler = new ChunkAssembler(maxBufferedBytes: 1000, maxMessageBytes: 50, onDropped: drops.Add);
        var chunks = Chunker.Split(new StageFailed("a", new string('x', 80)), 30);
        foreach (var c in chunks)
            Assert.Null(assembler.Add(c));
        Assert.Equal([DropReasons.Oversized], drops);
        Assert.Equal(0, assembler.OpenStreams);
    }

    [Fact]
    public void Split_ChunkSizeOutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Chunker.Split(new StageCompleted("a"), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Chunker.Split(new StageCompleted("a"), RemitHocon.MaxMessageBytes));
    }

    [Fact]
    public void Split_LargestChunk_FitsUnderTheSerializerCap()
    {
        var message = new GuideScored(1, new float[Chunker.MaxChunkBytes / 4]);
        var chunk = Chunker.Split(message, Chunker.MaxChunkBytes)[0];
        Assert.Equal(Chunker.MaxChunkBytes, chunk.Bytes.Length);
        Assert.True(RemitCodec.Default.Serialize(chunk).Length <= RemitHocon.MaxMessageBytes);
    }

    [Fact]
    public void Serialize_InstanceChunkerAlreadyMeasured_ReusesItsBytes()
    {
        var message = new StageFailed("rl", "boom");
        var bytes = RemitCodec.Default.Serialize(message);
        RemitCodec.RememberSerialized(message, bytes);
        Assert.Same(bytes, RemitCodec.Default.Serialize(message));
        Assert.NotSame(bytes, RemitCodec.Default.Serialize(message with { }));
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => _ticks;
        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
