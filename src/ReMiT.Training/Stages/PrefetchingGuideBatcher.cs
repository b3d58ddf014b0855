using System.Diagnostics;
using ReMiT.Training.Data;
using ReMiT.Training.Losses;
using static TorchSharp.torch;

namespace ReMiT.Training.Stages;

/// <summary>
/// Lets a guide elsewhere (a guide node) score mid-training batches ahead of the learner: draws up
/// to <c>prefetch</c> batches from the inner batcher, sends each one's token ids to be scored as soon
/// as it is drawn, and hands them out in order with the guide's target log-probs attached. In steady
/// state the scores for batch i arrived while the learner was busy with batches i−prefetch … i−1, so
/// the learner never waits for the guide. Prefetched batches are kept as host arrays (they outlive
/// the training step that drew them); <see cref="Cursor"/> is the position after the last batch
/// handed out, so a checkpoint resumes exactly, whatever was prefetched.
/// </summary>
public sealed class PrefetchingGuideBatcher : ITokenBatcher
{
    /// <summary>Scores a (rows × cols) batch: target log-probs under the guide, row-major.</summary>
    public delegate Task<float[]> ScoreBatch(int rows, int cols, int[] inputs, int[] targets);

    private readonly ITokenBatcher _inner;
    private readonly int _prefetch;
    private readonly ScoreBatch _score;
    private readonly Device _device;
    private readonly CancellationToken _cancellation;
    private readonly Queue<Pending> _ahead = new();
    private readonly Stopwatch _waited = new();

    private sealed record Pending(long[] Inputs, long[] Targets, float[] Mask, int Rows, int Cols, DataCursor After, Task<float[]> Scores);

    /// <param name="inner">The data stream; build it on the CPU (its batches are copied to host arrays).</param>
    /// <param name="prefetch">Batches in flight ahead of the learner (≥ 1); bounds the guide's queue.</param>
    public PrefetchingGuideBatcher(ITokenBatcher inner, int prefetch, ScoreBatch score, Device device, CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        _inner = inner;
        _prefetch = prefetch;
        _score = score;
        _device = device;
        _cancellation = cancellation;
        Cursor = inner.Cursor;
    }

    public DataCursor Cursor { get; private set; }

    /// <summary>Batches drawn and sent for scoring but not yet handed out.</summary>
    public int InFlight => _ahead.Count;

    /// <summary>Wall time <see cref="Next"/> has spent blocked on scores not yet back (near zero when the guide keeps ahead).</summary>
    public TimeSpan Waited => _waited.Elapsed;

    public TokenBatch Next()
    {
        while (_ahead.Count < _prefetch) _ahead.Enqueue(Draw());
        var next = _ahead.Dequeue();
        _ahead.Enqueue(Draw()); // keep the guide busy while the learner trains on `next`
        _waited.Start();
        float[] scores;
        try { scores = next.Scores.WaitAsync(_cancellation).GetAwaiter().GetResult(); }
        finally { _waited.Stop(); }
        if (scores.Length != next.Rows * next.Cols)
            throw new InvalidDataException($"the guide returned {scores.Length} log-probs for a {next.Rows}×{next.Cols} batch.");
        Cursor = next.After;
        var batch = TokenBatch.FromHost(next.Inputs, next.Targets, next.Mask, next.Rows, next.Cols, _device);
        return batch with { Guide = new GuideScores(tensor(scores, [next.Rows, next.Cols], ScalarType.Float32, _device)) };
    }

    private Pending Draw()
    {
        using var scope = NewDisposeScope();
        var b = _inner.Next();
        int rows = (int)b.BatchSize, cols = (int)b.SeqLen;
        long[] inputs = b.Inputs.cpu().data<long>().ToArray(), targets = b.Targets.cpu().data<long>().ToArray();
        float[] mask = b.Mask.cpu().data<float>().ToArray();
        int[] inputIds = b.Inputs.to(ScalarType.Int32).cpu().data<int>().ToArray(), targetIds = b.Targets.to(ScalarType.Int32).cpu().data<int>().ToArray();
        var task = _score(rows, cols, inputIds, targetIds);
        return new Pending(inputs, targets, mask, rows, cols, _inner.Cursor, task);
    }
}
