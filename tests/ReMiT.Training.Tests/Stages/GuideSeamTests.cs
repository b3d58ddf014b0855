using System.Text.Json;
using ReMiT.Model;
using ReMiT.Tasks;
using ReMiT.Training.Data;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using ReMiT.Training.Reporting;
using ReMiT.Training.Stages;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Stages;

/// <summary>The guide seam: a local scorer and a remote guide give the learner the same scores, and every guided step logs its wait.</summary>
public sealed class GuideSeamTests : IDisposable
{
    private const int Vocab = 32, SeqLen = 16, Batch = 4, Steps = 3;
    private static readonly DecoderConfig Config = ModelPresets.Get("smoke").Config with { VocabSize = Vocab, NumHiddenLayers = 1 };
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-seam-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static List<TokenizedDocument> Documents()
    {
        var rng = new SplitMix64(5);
        var documents = new List<TokenizedDocument>();
        for (int d = 0; d < 40; d++)
        {
            var ids = new int[SeqLen + 1];
            for (int i = 0; i < ids.Length; i++) ids[i] = rng.NextInt(Vocab);
            var mask = new float[ids.Length];
            Array.Fill(mask, 1f);
            documents.Add(new TokenizedDocument(ids, mask));
        }
        return documents;
    }

    private static DecoderModel Model(long seed)
    {
        var m = new DecoderModel(Config);
        m.InitializeWeights(seed);
        return m;
    }

    // Trains Steps ReMiT-weighted steps with the given guide; returns the final weights and the logged waits.
    private (Tensor Weights, List<double> Waits) Train(string name, IGuide guide)
    {
        string run = Path.Combine(_dir, name);
        List<double> waits;
        using var model = Model(1);
        using (var metrics = new MetricsLog(Path.Combine(run, MetricsLog.FileName)))
        {
            var ctx = new StageContext(run, CPU, metrics, TextWriter.Null, CancellationToken.None);
            var docs = Documents();
            var spec = new TokenStageSpec($"midtrain:{name}", Steps, _ => 1e-3, 1.0, 1, Steps, 1, new AdamWOptions());
            TokenTrainer.Run(ctx, spec, model, c => new PackedBatcher(docs, Batch, SeqLen, c ?? DataCursor.Start(2)),
                             new ReMiTConfig().Build(), guide, Path.Combine(run, "checkpoint"));
            waits = [];
        }
        foreach (string line in File.ReadAllLines(Path.Combine(run, MetricsLog.FileName)))
        {
            var point = JsonDocument.Parse(line).RootElement;
            if (point.GetProperty("metric").GetString() == TokenTrainer.GuideWaitMetric) waits.Add(point.GetProperty("value").GetDouble());
        }
        return (cat(model.parameters().Select(p => p.detach().flatten()).ToArray()), waits);
    }

    [Fact]
    public void Run_LocalAndRemoteGuide_TrainTheSameAndLogAWaitPerStep()
    {
        using var local = new LocalGuide(new GuideScorer(Model(9)));
        var (localWeights, localWaits) = Train("local", local);

        // The remote guide's node: the same guide model, scoring on another thread.
        using var scorer = new GuideScorer(Model(9));
        using var remote = new RemoteGuide((rows, cols, inputs, targets) => Task.Run(() =>
        {
            lock (scorer)
            {
                using var scope = NewDisposeScope();
                var x = tensor(inputs, [rows, cols]).to(ScalarType.Int64);
                var y = tensor(targets, [rows, cols]).to(ScalarType.Int64);
                return scorer.Score(x, y, GuideNeed.TokenLogProbs)!.TokenLogProbs.data<float>().ToArray();
            }
        }), prefetch: 2, CPU, CancellationToken.None);
        var (remoteWeights, remoteWaits) = Train("remote", remote);

        Assert.True(allclose(localWeights, remoteWeights, rtol: 1e-5, atol: 1e-7), "the remote guide trained different weights");
        Assert.Equal(Steps, localWaits.Count);
        Assert.Equal(Steps, remoteWaits.Count);
        Assert.All(localWaits, w => Assert.True(w > 0, "a local guide's forward is time the learner waits"));
        Assert.All(remoteWaits, w => Assert.True(w >= 0));
    }

    [Fact]
    public void Score_TokenLogProbs_EqualTheLogSoftmaxAtTheTargets()
    {
        using var scorer = new GuideScorer(Model(3));
        var inputs = tensor(new long[] { 1, 5, 7, 2, 0, 31 }, [2, 3]);
        var targets = tensor(new long[] { 5, 7, 2, 0, 31, 4 }, [2, 3]);

        using var scores = scorer.Score(inputs, targets, GuideNeed.TokenLogProbs)!.TokenLogProbs;
        using var noGrad = no_grad();
        var expected = scorer.Model.Forward(inputs).log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);

        Assert.Equal([2L, 3L], scores.shape);
        Assert.True(allclose(scores, expected, rtol: 1e-5, atol: 1e-6));
        Assert.True(scores.lt(0).all().item<bool>(), "log-probs of a 32-token vocabulary are negative");
    }

    [Fact]
    public void Attach_RemoteGuideAskedForLogits_SaysToRunItInTheLearner()
    {
        using var remote = new RemoteGuide((_, _, _, _) => Task.FromResult(Array.Empty<float>()), 1, CPU, CancellationToken.None);

        var e = Assert.Throws<ArgumentException>(() =>
            remote.Attach(new PackedBatcher(Documents(), Batch, SeqLen, DataCursor.Start(1)), GuideNeed.Logits));

        Assert.Contains("run that guide in the learner", e.Message);
    }
}
