using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Benchmarks;

/// <summary>
/// The FLOP rate of a large square matmul on a device and dtype: the ceiling a model's training step
/// is compared with (model FLOP utilisation), measured in the same process so the ratio is fair.
/// </summary>
public static class MatmulPeak
{
    /// <summary>Best of <paramref name="repeats"/> timed n×n×n matmuls, in FLOP/s (2n³ per matmul).</summary>
    public static double Measure(Device device, ScalarType dtype, int n = 0, int repeats = 5)
    {
        if (n == 0) n = device.type == DeviceType.CUDA ? 8192 : 2048;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(n, n, dtype: dtype, device: device);
        var b = randn(n, n, dtype: dtype, device: device);
        var c = empty(n, n, dtype: dtype, device: device);
        double best = double.MaxValue;
        for (int i = 0; i < repeats + 1; i++) // first run warms up kernels and thread pools
        {
            Synchronize(device);
            var clock = Stopwatch.StartNew();
            matmul(a, b).Dispose();
            Synchronize(device);
            if (i > 0) best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * (double)n / best;
    }

    /// <summary>Waits for queued device work (a no-op on the CPU, where ops are synchronous).</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
