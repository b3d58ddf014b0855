using System.Diagnostics;
using System.Text.Json.Nodes;
using ReMiT.Tests.Shared;

namespace ReMiT.Cli.Tests;

/// <summary>
/// <c>bench/scale/end_to_end.sh --size toy</c> (issue 13 D at toy size) with this build's <c>remit</c>: a sharded bf16
/// Llama-shaped model through score and generate, and a Qwen2-shaped one through a ReMiT mid-training step and a GRPO
/// step on 2 ranks with ZeRO-1 under mpirun, with the plans and peak memory in one summary. Like the other mpirun
/// tests, a machine without mpirun fails with what to install (CI installs openmpi-bin).
/// </summary>
public sealed class EndToEndScriptTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-e2e-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private (int Exit, string Output) RunSh(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        foreach (string a in (string[])[Path.Combine(RepoPaths.Root, "bench", "scale", "end_to_end.sh"), .. args])
            start.ArgumentList.Add(a);
        start.Environment["REMIT_DLL"] = Path.Combine(AppContext.BaseDirectory, "remit.dll");
        start.Environment["DOTNET"] = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(4))) { process.Kill(entireProcessTree: true); throw new TimeoutException($"end_to_end.sh ran over 4 min:\n{output}"); }
        return (process.ExitCode, output + stderr.Result);
    }

    [Fact]
    public void EndToEndSh_Toy_RunsEveryStepAndWritesTheSummary()
    {
        var (exit, output) = RunSh(_dir, "--size", "toy");
        string log = Path.Combine(_dir, "log.txt");
        Assert.True(exit == 0, output + (File.Exists(log) ? File.ReadAllText(log) : ""));

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "summary.json")))!;
        Assert.Equal("toy", summary["size"]!.GetValue<string>());

        var llama = summary["llama"]!;
        // Toy Llama: embedding 512·64 = 32,768 (tied); per layer q 64·64 + k, v 2·64·32 + o 64·64 = 12,288, MLP 3·64·128
        // = 24,576, norms 2·64 → 36,992; two layers 73,984; final norm 64: 106,816 parameters, 213,632 bf16 bytes in 100 KB shards.
        Assert.Equal(106_816, llama["plan"]!["params"]!.GetValue<long>());
        Assert.InRange(llama["weight_files"]!.GetValue<int>(), 3, 10);
        Assert.Equal(4, llama["scored_rows"]!.GetValue<int>());
        Assert.Equal(2, llama["generated_rows"]!.GetValue<int>());

        var qwen = summary["qwen"]!;
        // Toy Qwen2: embedding 512·32 = 16,384 (tied); per layer q 32·32 + 32, k and v 32·16 + 16 each, o 32·32, MLP 3·32·64
        // = 6144, norms 2·32 → 9344; two layers 18,688; final norm 32: 35,104.
        Assert.Equal(35_104, qwen["plan"]!["params"]!.GetValue<long>());
        Assert.Equal((2, 1, "bf16"), (qwen["plan"]!["ranks"]!.GetValue<int>(), qwen["plan"]!["zero"]!.GetValue<int>(), qwen["plan"]!["dtype"]!.GetValue<string>()));
        foreach (var (step, mode) in new[] { ("midtrain", "midtrain:remit"), ("grpo", "grpo") })
        {
            var bench = qwen[step]!["bench"]!;
            Assert.Equal(mode, bench["mode"]!.GetValue<string>());
            Assert.Equal((2, 1, "bf16", 1), (bench["ranks"]!.GetValue<int>(), bench["zero"]!.GetValue<int>(), bench["dtype"]!.GetValue<string>(), bench["steps"]!.GetValue<int>()));
            Assert.Equal(35_104, bench["params"]!.GetValue<long>());
            Assert.True(double.IsFinite(bench["final_loss"]!.GetValue<double>()), $"{step}: loss {bench["final_loss"]}");
            if (File.Exists("/usr/bin/time"))
                Assert.All(qwen[step]!["max_rss_kb_per_rank"]!.AsArray(), kb => Assert.True(kb!.GetValue<long>() > 0, $"{step}: {kb}"));
        }
    }
}
