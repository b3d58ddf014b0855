using System.Diagnostics;
using System.Text.Json.Nodes;
using ReMiT.Tests.Shared;

namespace ReMiT.Cli.Tests;

/// <summary>
/// <c>bench/gpu/run.sh</c> (the one-call GPU check) at toy sizes on the CPU with this build's <c>remit</c>:
/// every step runs and lands in the one JSON file, and a parity miss fails the run.
/// </summary>
public sealed class GpuBenchScriptTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-gpu-bench-{Guid.NewGuid():N}");

    public GpuBenchScriptTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private (int Exit, string Output, JsonObject? Json) RunSh(params string[] args)
    {
        string json = Path.Combine(_dir, "bench.json");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "bench", "gpu", "run.sh"));
        foreach (string a in new[] { "--remit", Path.Combine(AppContext.BaseDirectory, "remit"), "--device", "cpu", "--toy",
                                     "--out", json, "--work", Path.Combine(_dir, "work"), "--max-minutes", "3" }.Concat(args))
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(4))) { p.Kill(entireProcessTree: true); throw new TimeoutException($"run.sh ran over 4 min:\n{output}"); }
        output += stderr.Result;
        return (p.ExitCode, output, File.Exists(json) ? JsonNode.Parse(File.ReadAllText(json))!.AsObject() : null);
    }

    [Fact]
    public void RunSh_CpuToy_WritesEveryStepToOneJson()
    {
        var (exit, output, json) = RunSh();

        Assert.True(exit == 0, output);
        Assert.NotNull(json);
        Assert.Equal("cpu", json["device"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(json["device_name"]!.GetValue<string>()));
        Assert.True(json["wall_s"]!.GetValue<double>() > 0);
        Assert.Contains("libtorch_cpu.so", json["remit_info"]!["libtorch"]!.GetValue<string>());

        var parity = json["parity"]!;
        Assert.Equal("passed", parity["status"]!.GetValue<string>());
        var models = parity["models"]!.AsArray();
        Assert.Equal(["llama-tiny", "qwen2-tiny"], models.Select(m => m!["model"]!.GetValue<string>()));
        foreach (var m in models)
        {
            Assert.Equal(2 * 18, m!["n_logprobs"]!.GetValue<int>());          // 2 rows of 19 tokens → 18 next-token log-probs each
            Assert.InRange(m["max_abs_diff"]!.GetValue<double>(), 0, 1e-4);
        }

        var train = json["bench_train"]!.AsArray().Single()!;
        Assert.Equal("ok", train["status"]!.GetValue<string>());
        Assert.Equal("BFloat16", train["result"]!["dtype"]!.GetValue<string>());
        Assert.True(train["result"]!["tokens_per_s"]!.GetValue<double>() > 0);
        var generate = json["bench_generate"]!.AsArray().Single()!;
        Assert.Equal("BFloat16", generate["result"]!["dtype"]!.GetValue<string>());
        Assert.True(generate["result"]!["new_tokens_per_s"]!.GetValue<double>() > 0);

        // This machine's python3 may or may not have torch; on --device cpu the anchor is skipped either way, saying why.
        Assert.StartsWith("skipped: ", json["anchor"]!["status"]!.GetValue<string>());

        var flywheel = json["flywheel"]!;
        Assert.Equal("completed", flywheel["status"]!.GetValue<string>());
        Assert.Equal("smoke", flywheel["preset"]!.GetValue<string>());
        var stages = flywheel["stages_done"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray();
        Assert.Contains("pretrain", stages);
        Assert.Contains("eval_remit+rl", stages);
        Assert.True(flywheel["results_rows"]!.GetValue<int>() > 0);
    }

    [Fact]
    public void RunSh_FixtureOffBy1e3_ParityFailsNamingTheModel()
    {
        string fixtures = Path.Combine(_dir, "fixtures", "llama-tiny");
        Directory.CreateDirectory(fixtures);
        foreach (string f in Directory.GetFiles(RepoPaths.Fixture("hf-reference", "llama-tiny")))
            File.Copy(f, Path.Combine(fixtures, Path.GetFileName(f)));
        string referencePath = Path.Combine(fixtures, "reference.json");
        var reference = JsonNode.Parse(File.ReadAllText(referencePath))!.AsObject();
        var first = reference["next_token_logprobs"]![1]!.AsArray();
        first[5] = first[5]!.GetValue<double>() + 1e-3;
        File.WriteAllText(referencePath, reference.ToJsonString());

        var (exit, output, json) = RunSh("--only", "parity", "--fixtures", Path.GetDirectoryName(fixtures)!);

        Assert.Equal(1, exit);
        var parity = json!["parity"]!;
        Assert.Equal("failed", parity["status"]!.GetValue<string>());
        var model = parity["models"]!.AsArray().Single()!;
        Assert.Equal("llama-tiny", model["model"]!.GetValue<string>());
        Assert.False(model["passed"]!.GetValue<bool>());
        Assert.InRange(model["max_abs_diff"]!.GetValue<double>(), 0.9e-3, 1.1e-3);
        Assert.Equal("skipped: not in --only", json["flywheel"]!["status"]!.GetValue<string>());
        Assert.Contains("parity failed", output);
    }

    [Fact]
    public void RunSh_RemitNotExecutable_ExitTwoNamingIt()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepoPaths.Root, "bench", "gpu", "run.sh"));
        foreach (string a in new[] { "--remit", Path.Combine(_dir, "no-such-remit"), "--device", "cpu", "--out", Path.Combine(_dir, "x.json") })
            start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("no-such-remit is not an executable", err);
    }
}
