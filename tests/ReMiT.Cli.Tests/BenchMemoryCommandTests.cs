using System.Diagnostics;
using System.Text.Json.Nodes;

namespace ReMiT.Cli.Tests;

/// <summary>
/// <c>remit plan</c>'s training figure against the resident memory of a real CPU step. Each measurement runs
/// <c>remit bench memory</c> in a process of its own (in this one, memory freed by other tests would be reused unseen).
/// </summary>
public sealed class BenchMemoryCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static JsonObject Measure(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        foreach (string a in (string[])[Path.Combine(AppContext.BaseDirectory, "remit.dll"), "bench", "memory", .. args, "--json"])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet remit.dll");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"remit bench memory {string.Join(' ', args)} ran over {Timeout.TotalSeconds} s.");
        }
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {stderr.Result}");
        return JsonNode.Parse(stdout.Result.Trim().Split('\n')[^1])!.AsObject();
    }

    [Fact]
    public void BenchMemory_TrainStep_MeasuredWithin15PercentOfThePlan()
    {
        // glibc's default malloc keeps freed forward temporaries in its heap (its mmap threshold grows to the largest
        // tensor freed), so the resident peak overshoots the live tensors by 18–25% (bench/RESULTS.md). A fixed
        // threshold returns every tensor's pages on free: resident memory then shows the live tensors the plan counts.
        var o = Measure(new Dictionary<string, string> { ["MALLOC_MMAP_THRESHOLD_"] = "131072" },
            "--preset", "smoke", "--batch", "16", "--seq-len", "128");

        Assert.True(o["peak_was_reset"]!.GetValue<bool>());
        double ratio = o["ratio"]!.GetValue<double>();
        Assert.True(ratio is > 0.85 and < 1.15,
            $"measured {o["measured_bytes"]} bytes, planned {o["planned_bytes"]} (ratio {ratio:F3})");
    }
}
