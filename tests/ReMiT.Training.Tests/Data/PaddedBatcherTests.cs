using System.Text.Json;
using ReMiT.Training.Data;
using TorchSharp;

namespace ReMiT.Training.Tests.Data;

public sealed class PaddedBatcherTests
{
    private const int Pad = 99_999;
    private static readonly int[] Lengths = [5, 9, 3, 12, 7, 4];

    [Fact]
    public void Next_ShortRows_RightPaddedWithPadAndZeroMask()
    {
        var docs = TestCorpus.Numbered(Lengths);
        var batcher = new PaddedBatcher(docs, batchSize: 3, seqLen: 20, Pad, DataCursor.Start(2));
        using var scope = torch.NewDisposeScope();
        var batch = batcher.Next();
        var order = batcher.EpochDocumentOrder(0);
        int width = order.Take(3).Max(d => Lengths[d]) - 1; // padded to the longest row, not to SeqLen
        Assert.Equal([3L, width], batch.Inputs.shape);
        var inputs = batch.Inputs.data<long>().ToArray();
        var targets = batch.Targets.data<long>().ToArray();
        var mask = batch.Mask.data<float>().ToArray();
        for (int r = 0; r < 3; r++)
        {
            var doc = docs[order[r]];
            for (int t = 0; t < width; t++)
            {
                bool real = t < doc.Length - 1;
                Assert.Equal(real ? doc.Ids[t] : Pad, inputs[r * width + t]);
                Assert.Equal(real ? doc.Ids[t + 1] : Pad, targets[r * width + t]);
                Assert.Equal(real ? doc.LossMask[t + 1] : 0f, mask[r * width + t]);
            }
        }
    }

    [Fact]
    public void Next_LongDocument_TruncatedToSeqLenAndCounted()
    {
        var docs = TestCorpus.Numbered(Lengths);
        var batcher = new PaddedBatcher(docs, batchSize: 6, seqLen: 6, Pad, DataCursor.Start(0), padToSeqLen: true);
        Assert.Equal(2, batcher.TruncatedDocuments); // lengths 9 and 12 exceed SeqLen + 1 = 7
        using var scope = torch.NewDisposeScope();
        var batch = batcher.Next();
        Assert.Equal([6L, 6L], batch.Targets.shape);
        Assert.Equal(2, batcher.TruncatedRows);
        int longest = batcher.EpochDocumentOrder(0).ToList().IndexOf(3);
        Assert.Equal(Enumerable.Range(1, 6).Select(j => 3000L + j), batch.Targets[longest].data<long>().ToArray());
    }

    [Fact]
    public void Next_AcrossEpochs_EachDocumentOncePerEpochInThatEpochsOrder()
    {
        var docs = TestCorpus.Numbered(Lengths);
        var batcher = new PaddedBatcher(docs, batchSize: 4, seqLen: 16, Pad, DataCursor.Start(8));
        var firstTokens = new List<long>();
        for (int i = 0; i < 3; i++) // 12 rows = two epochs of 6
        {
            using var scope = torch.NewDisposeScope();
            firstTokens.AddRange(batcher.Next().Inputs[.., 0].data<long>().ToArray());
        }
        var expected = batcher.EpochDocumentOrder(0).Concat(batcher.EpochDocumentOrder(1)).Select(d => 1000L * d);
        Assert.Equal(expected, firstTokens);
        Assert.Equal(new DataCursor(2, 0, 8), batcher.Cursor);
    }

    [Fact]
    public void Next_ResumedFromSavedCursor_GivesTheSameNextBatch()
    {
        var docs = TestCorpus.Numbered(Lengths);
        var original = new PaddedBatcher(docs, batchSize: 4, seqLen: 8, Pad, DataCursor.Start(3));
        for (int i = 0; i < 2; i++) original.Next().Dispose();
        var cursor = JsonSerializer.Deserialize<DataCursor>(JsonSerializer.Serialize(original.Cursor))!;
        Assert.Equal(new DataCursor(1, 2, 3), cursor);

        var resumed = new PaddedBatcher(docs, batchSize: 4, seqLen: 8, Pad, cursor);
        using var scope = torch.NewDisposeScope();
        var expected = original.Next();
        var actual = resumed.Next();
        Assert.True(TensorsEqual(expected.Inputs, actual.Inputs));
        Assert.True(TensorsEqual(expected.Targets, actual.Targets));
        Assert.True(TensorsEqual(expected.Mask, actual.Mask));
    }

    [Fact]
    public void Next_SftEncodedDocuments_MaskCoversCompletionAndEosOnly()
    {
        var encoder = new DocumentEncoder(TestCorpus.Tokenizer, maskPrompt: true);
        var doc = TestCorpus.Documents[0];
        var encoded = encoder.Encode(doc);
        var batcher = new PaddedBatcher([encoded], batchSize: 1, seqLen: 4096, encoder.Special.Pad, DataCursor.Start(0));
        using var scope = torch.NewDisposeScope();
        var batch = batcher.Next();
        var targets = batch.Targets[0].data<long>().ToArray();
        var trained = batch.Mask[0].data<float>().ToArray().Select((m, t) => (m, t)).Where(x => x.m == 1f).Select(x => (int)targets[x.t]).ToArray();
        Assert.Equal(encoder.Special.Eos, trained[^1]);
        Assert.Equal(doc.Completion, TestCorpus.Tokenizer.Decode(trained[..^1]));
    }

    private static bool TensorsEqual(torch.Tensor a, torch.Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
