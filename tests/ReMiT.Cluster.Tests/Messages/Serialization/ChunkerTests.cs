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
    public void Add_SenderOverItsByteBudget_LosesItsOwnStalestStream()
    {
        var time = new ManualTime();
        var drops = new List<string>();
        var assembler = new ChunkAssembler(maxBytesPerSender: 100, maxMessageBytes: 100, time: time, onDropped: drops.Add);
        var first = Chunker.Split(new StageFailed("a", new string('x', 80)), 60);
        var second = Chunker.Split(new StageFailed("b", new string('y', 80)), 60);
        assembler.Add(first[0], "node-1");
        time.Advance(TimeSpan.FromSeconds(1));
        assembler.Add(second[0], "node-1");
        Assert.Equal([DropReasons.ChunkOverflow], drops);
        Assert.Equal(60, assembler.BufferedBytes);
        Assert.IsType<StageFailed>(assembler.Add(second[1], "node-1"));
    }

    [Fact]
    public void Add_64JunkStreamsFromOneSender_DoNotEvictAnotherSendersBatch()
    {
        var batch = new RlStepBatch("rl", 3, RemotingTests.BigRollouts(4, new Random(7)));
        var real = Chunker.Split(batch, 256);
        Assert.True(real.Count >= 4, $"{real.Count} chunks");
        var drops = new List<string>();
        var assembler = new ChunkAssembler(onDropped: drops.Add);

        foreach (var c in real.Take(real.Count / 2)) Assert.Null(assembler.Add(c, "coordinator"));
        for (int i = 0; i < 64; i++)
            assembler.Add(Chunker.Split(new StageFailed("junk", new string('j', 40)), 10)[0], "rogue");
        var completed = real.Skip(real.Count / 2).Select(c => assembler.Add(c, "coordinator")).ToList()[^1]; // ToList: Last() would run only the last Add

        DeepEqual.Assert(batch, completed);
        Assert.Equal(64 - 16, drops.Count);                       // the rogue's streams beyond its 16 went, its own stalest first
        Assert.All(drops, d => Assert.Equal(DropReasons.ChunkOverflow, d));
        Assert.Equal(16, assembler.OpenStreams);
    }

    [Fact]
    public void Add_NewStreamWhenAllStreamsAreTaken_IsRefusedAndOpenOnesComplete()
    {
        var drops = new List<string>();
        var assembler = new ChunkAssembler(maxOpenStreams: 4, maxStreamsPerSender: 2, onDropped: drops.Add);
        var streams = Enumerable.Range(0, 5).Select(i => Chunker.Split(new StageFailed($"s{i}", new string('x', 40)), 10)).ToArray();
        string[] senders = ["a", "a", "b", "b", "c"];
        for (int i = 0; i < 5; i++) assembler.Add(streams[i][0], senders[i]);

        Assert.Equal([DropReasons.ChunkOverflow], drops);         // c's stream, refused; nobody else's evicted for it
        Assert.Equal(4, assembler.OpenStreams);
        for (int i = 0; i < 4; i++)
            Assert.Equal($"s{i}", Assert.IsType<StageFailed>(streams[i].Skip(1).Select(c => assembler.Add(c, senders[i])).ToList()[^1]).Stage);
        Assert.All(streams[4].Skip(1), c => Assert.Null(assembler.Add(c, "c"))); // the refused stream's later chunks are ignored
        Assert.Single(drops);
    }

    [Fact]
    public void Add_SameStreamIdFromTwoSenders_AreTwoStreams()
    {
        var a = Chunker.Split(new StageFailed("a", new string('x', 40)), 10);
        var b = a.Select(c => c with { Bytes = Chunker.Split(new StageFailed("b", new string('y', 40)), 10)[c.Index].Bytes }).ToList();
        var assembler = new ChunkAssembler();
        for (int i = 0; i < a.Count - 1; i++)
        {
            Assert.Null(assembler.Add(a[i], "honest"));
            Assert.Null(assembler.Add(b[i], "rogue"));
        }
        Assert.Equal("a", Assert.IsType<StageFailed>(assembler.Add(a[^1], "honest")).Stage);
        Assert.Equal("b", Assert.IsType<StageFailed>(assembler.Add(b[^1], "rogue")).Stage);
    }

    [Fact]
    public void Add_StreamWhoseChunksShowItIsOverTheCap_IsRefusedAtItsFirstChunk()
    {
        var drops = new List<string>();
        var assembler = new ChunkAssembler(maxMessageBytes: 1000, onDropped: drops.Add);
        var chunks = Chunker.Split(new GuideScored(1, new float[1200]), 100, maxMessageBytes: 10_000); // 6,005 bytes in 61 chunks
        Assert.Null(assembler.Add(chunks[0]));
        Assert.Equal([DropReasons.Oversized], drops);
        Assert.Equal(0, assembler.BufferedBytes);
        Assert.All(chunks.Skip(1), c => Assert.Null(assembler.Add(c)));
        Assert.Single(drops);
    }

    [Fact]
    public void Split_MessageAboveTheCap_ThrowsNamingTheSizeTheCapAndItsKey()
    {
        var e = Assert.Throws<ArgumentException>(() => Chunker.Split(new GuideScored(1, new float[1200]), 100, maxMessageBytes: 1000));
        // MessagePack: array header 1 + WorkId 1 + array16 header (0xdc + 2 bytes) 3 + 1200 × (0xca + 4 bytes) = 6,005
        Assert.Contains("GuideScored serializes to 6,005 bytes", e.Message);
        Assert.Contains("above the 1,000-byte cap", e.Message);
        Assert.Contains("cluster.max_message_mib", e.Message);
    }

    [Fact]
    public void Add_MiddleChunkOfAnotherLength_IsMalformed()
    {
        var drops = new List<string>();
        var assembler = new ChunkAssembler(onDropped: drops.Add);
        var chunks = Chunker.Split(new StageFailed("a", new string('x', 40)), 10);
        assembler.Add(chunks[0]);
        Assert.Null(assembler.Add(chunks[1] with { Bytes = chunks[1].Bytes[..5] }));
        Assert.Equal([DropReasons.Malformed], drops);
        Assert.Equal(0, assembler.OpenStreams);
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
