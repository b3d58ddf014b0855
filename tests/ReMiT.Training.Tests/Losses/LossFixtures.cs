using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Losses;

/// <summary>
/// Tiny batches whose log-probabilities are known exactly: every logit row is the log of a
/// probability vector, so log_softmax returns it unchanged, and the reference arithmetic below
/// runs on doubles with Math.Exp/Math.Log, independent of the tensor code under test.
/// </summary>
internal static class LossFixtures
{
    /// <summary>The one next-token distribution every position uses: p = (1/2, 1/4, 1/8, 1/8).</summary>
    public static readonly double[] Probs = [0.5, 0.25, 0.125, 0.125];

    public const int Vocab = 4;

    /// <summary>(B, T, V) float32 logits log(Probs) at every position, with gradient.</summary>
    public static Tensor Logits(int batch, int time)
    {
        var data = new float[batch * time * Vocab];
        for (int i = 0; i < data.Length; i++) data[i] = (float)Math.Log(Probs[i % Vocab]);
        return tensor(data, [batch, time, Vocab], ScalarType.Float32).requires_grad_(true);
    }

    public static Tensor Targets(long[,] targets) =>
        tensor(Flatten(targets), [targets.GetLength(0), targets.GetLength(1)], ScalarType.Int64);

    public static Tensor Floats(double[,] values) =>
        tensor(Flatten(values).Select(v => (float)v).ToArray(), [values.GetLength(0), values.GetLength(1)], ScalarType.Float32);

    public static T[] Flatten<T>(T[,] values) => values.Cast<T>().ToArray();

    public static double[,] ToArray(Tensor t)
    {
        var flat = t.detach().to(ScalarType.Float64).data<double>().ToArray();
        var result = new double[t.shape[0], t.shape[1]];
        for (int i = 0; i < flat.Length; i++) result[i / t.shape[1], i % t.shape[1]] = flat[i];
        return result;
    }

    public static double Scalar(Tensor t) => t.to(ScalarType.Float64).item<double>();

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    /// <summary>log_softmax of one row, in doubles.</summary>
    public static double[] LogSoftmax(double[] logits)
    {
        double max = logits.Max();
        double logSum = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
        return logits.Select(l => l - logSum).ToArray();
    }

    public static void Near(double expected, double actual, double tolerance = 1e-5, string? what = null) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1.0, Math.Abs(expected)),
            $"{what ?? "value"}: expected {expected}, got {actual}");

    public static void Near(double[,] expected, double[,] actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int b = 0; b < expected.GetLength(0); b++)
            for (int t = 0; t < expected.GetLength(1); t++)
                Near(expected[b, t], actual[b, t], tolerance, $"[{b}, {t}]");
    }
}
