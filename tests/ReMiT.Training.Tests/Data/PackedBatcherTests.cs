using System.Text.Json;
using ReMiT.Training.Data;
using TorchSharp;

namespace ReMiT.Training.Tests.Data;

public sealed class PackedBatcherTests
{
    private static readonly int[] Lengths = [5, 9, 3, 12, 7, 4, 8, 6, 10, 2];

    [Fact]
    public void Next_Batch_ShapesDtypesAndShiftedTargets()
    {
        using var scope = torch.NewDisposeScope();
        var batcher = new PackedBatcher(TestCorpus.Numbered(Lengths), batchSize: 3, seqLen: 8, DataCursor.Start(1));
        var batch = batcher.Next();
        Assert.Equal([3L, 8L], batch.Inputs.shape);
        Assert.Equal([3L, 8L], batch.Targets.shape);
        Assert.Equal([3L, 8L], batch.Mask.shape);
        Assert.Equal(torch.ScalarType.Int64, batch.Inputs.dtype);
        Assert.Equal(torch.ScalarType.Int64, batch.Targets.dtype);
        Assert.Equal(torch.ScalarType.Float32, batch.Mask.dtype);
        Assert.True(TensorsEqual(batch.Inputs[.., 1..], batch.Targets[.., ..^1]));
        // Rows follow each other: a row's last target is the next row's first input.
        Assert.True(TensorsEqual(batch.Targets[..^1, -1], batch.Inputs[1.., 0]));
    }

    [Fact]
    public void Next_TwoEpochs_StreamIsEachEpochsDocumentsInOrderWithNoTokenLostOrRepeated()
    {
        var docs = TestCorpus.Numbered(Lengths);
        long perEpoch = Lengths.Sum();
        var batcher = new PackedBatcher(docs, batchSize: 2, seqLen: 7, DataCursor.Start(42));
        var ids = new List<long>();
        var mask = new List<float>();
        while (ids.Count < 2 * perEpoch + 1)
        {
            using var scope = torch.NewDisposeScope();
            var batch = batcher.Next();
            if (ids.Count == 0) ids.Add(batch.Inputs[0, 0].item<long>());
            if (mask.Count == 0) mask.Add(0f);
            ids.AddRange(batch.Targets.data<long>().ToArray());
            mask.AddRange(batch.Mask.data<float>().ToArray());
        }

        var expected = new List<long>();
        var expectedMask = new List<float>();
        foreach (int epoch in new[] { 0, 1 })
        {
            foreach (int d in batcher.EpochDocumentOrder(epoch))
            {
                expected.AddRange(docs[d].Ids.Select(i => (long)i));
                expectedMask.AddRange(docs[d].LossMask);
            }
        }
        Assert.Equal(expected, ids.Take(expected.Count));
        Assert.Equal(expectedMask, mask.Take(expected.Count));
        // One epoch holds every document token exactly once.
        Assert.Equal(docs.SelectMany(d => d.Ids).Order().Select(i => (long)i), ids.Take((int)perEpoch).Order());
        Assert.NotEqual(batcher.EpochDocumentOrder(0), batcher.EpochDocumentOrder(1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(11)] // a batch advances 2 × 3 tokens and an epoch has 66: exactly at the boundary
    [InlineData(12)] // past it
    public void Next_ResumedFromSavedCursor_GivesTheSameNextBatch(int taken)
    {
        var docs = TestCorpus.Numbered(Lengths);
        var original = new PackedBatcher(docs, batchSize: 2, seqLen: 3, DataCursor.Start(9));
        for (int i = 0; i < taken; i++) original.Next().Dispose();
        string saved = JsonSerializer.Serialize(original.Cursor);

        var resumed = new PackedBatcher(docs, batchSize: 2, seqLen: 3, JsonSerializer.Deserialize<DataCursor>(saved)!);
        using var scope = torch.NewDisposeScope();
        var expected = original.Next();
        var actual = resumed.Next();
        Assert.True(TensorsEqual(expected.Inputs, actual.Inputs));
        Assert.True(TensorsEqual(expected.Targets, actual.Targets));
        Assert.True(TensorsEqual(expected.Mask, actual.Mask));
        Assert.Equal(original.Cursor, resumed.Cursor);
    }

    [Fact]
    public void EpochDocumentOrder_SameSeed_SameShuffleEachEpochDiffers()
    {
        var docs = TestCorpus.Numbered(Lengths);
        var a = new PackedBatcher(docs, 1, 4, DataCursor.Start(5));
        var b = new PackedBatcher(docs, 1, 4, new DataCursor(3, 0, 5));
        var c = new PackedBatcher(docs, 1, 4, DataCursor.Start(6));
        Assert.Equal(a.EpochDocumentOrder(2), b.EpochDocumentOrder(2));
        Assert.NotEqual(a.EpochDocumentOrder(0), c.EpochDocumentOrder(0));
        Assert.Equal(Enumerable.Range(0, docs.Length), a.EpochDocumentOrder(1).Order());
    }

    [Fact]
    public void Next_CorpusShorterThanRow_WrapsThroughSeveralEpochs()
    {
        var docs = TestCorpus.Numbered(2, 3);
        var batcher = new PackedBatcher(docs, batchSize: 1, seqLen: 12, DataCursor.Start(0));
        using var scope = torch.NewDisposeScope();
        batcher.Next();
        Assert.Equal(new DataCursor(2, 2, 0), batcher.Cursor); // 12 tokens = 2 epochs of 5 + 2
    }

    [Fact]
    public void Constructor_CursorBeyondEpoch_ThrowsNamingTokensPerEpoch()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new PackedBatcher(TestCorpus.Numbered(Lengths), 1, 4, new DataCursor(0, 66, 0)));
        Assert.Contains("66", e.Message);
    }

    private static bool TensorsEqual(torch.Tensor a, torch.Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
