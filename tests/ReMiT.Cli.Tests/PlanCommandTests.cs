using System.Text.Json.Nodes;

namespace ReMiT.Cli.Tests;

public sealed class PlanCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    // The hand-counted config of MemoryPlannerTests as a checkpoint's config.json (Qwen2: q/k/v bias always on):
    // P = 1160 (2 layers of 512, embedding 128, final norm 8).
    private string TinyModelDir()
    {
        Directory.CreateDirectory(_h.PathOf("model"));
        _h.Write(Path.Combine("model", "config.json"), """
            {"model_type": "qwen2", "vocab_size": 16, "hidden_size": 8, "intermediate_size": 12, "num_hidden_layers": 2,
             "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 64, "tie_word_embeddings": true,
             "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu"}
            """);
        return _h.PathOf("model");
    }

    private static JsonObject Json(string output) => JsonNode.Parse(output.Trim())!.AsObject();

    [Fact]
    public void Plan_ModelDirJson_PrintsEveryFieldWithHandCountedBytes()
    {
        var (exit, output, err) = _h.Run("plan", "--model", TinyModelDir(), "--ranks", "2", "--seq-len", "5", "--batch", "3",
            "--rollout-batch", "6", "--group-size", "4", "--prompt-len", "3", "--max-new-tokens", "5", "--gpu-memory", "44200", "--json");

        Assert.True(exit == 0, err);
        var o = Json(output);
        // The same numbers as MemoryPlannerTests.Plan_Float32Zero0_MatchesHandCount, worked out there.
        Assert.Equal(1160, o["params"]!.GetValue<long>());
        Assert.Equal(4640, o["weights_bytes"]!.GetValue<long>());
        Assert.Equal(9280, o["gradients_bytes"]!.GetValue<long>());
        Assert.Equal(13920, o["optimizer_bytes"]!.GetValue<long>());
        Assert.Equal(16360, o["activations_bytes"]!.GetValue<long>());
        Assert.Equal(4096, o["kv_cache_bytes"]!.GetValue<long>());
        Assert.Equal(44200, o["total_bytes"]!.GetValue<long>());
        Assert.True(o["fits"]!.GetValue<bool>());                     // exactly the budget fits
        Assert.Equal(44200, o["budget_bytes"]!.GetValue<long>());
        Assert.Equal(2, o["rows_per_rank"]!.GetValue<int>());
    }

    [Fact]
    public void Plan_BudgetBelowTotal_DoesNotFit()
    {
        var (exit, output, err) = _h.Run("plan", "--model", TinyModelDir(), "--seq-len", "5", "--batch", "3", "--gpu-memory", "1KB", "--json");

        Assert.True(exit == 0, err);
        Assert.False(Json(output)["fits"]!.GetValue<bool>());
        Assert.Equal(1000, Json(output)["budget_bytes"]!.GetValue<long>());
    }

    [Fact]
    public void Plan_TwoRanksOnThisMachine_SplitsItsMemoryBetweenThem()
    {
        // Without --gpu-memory the ranks are CPU processes on this host: each gets half of what is available.
        var (exit, output, err) = _h.Run("plan", "--preset", "tiny", "--ranks", "2", "--json");

        Assert.True(exit == 0, err);
        var o = Json(output);
        Assert.Contains("shared by 2 ranks on this machine", o["budget_source"]!.GetValue<string>());
        long available = File.ReadLines("/proc/meminfo").Where(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024).Single();
        double ratio = 2.0 * o["budget_bytes"]!.GetValue<long>() / available;
        Assert.True(ratio is > 0.8 and < 1.2, $"2 x budget / MemAvailable = {ratio:F3}");
    }

    [Fact]
    public void Plan_FlywheelPreset_TakesBatchAndRolloutFromIt()
    {
        // cluster/presets/tiny.json: pre-training 16 x 256, rl group_size 8, max_new_tokens 160, cluster.prompts_per_work 8.
        var (exit, output, err) = _h.Run("plan", "--preset", "tiny", "--dtype", "bf16", "--zero", "1", "--ranks", "2", "--json");

        Assert.True(exit == 0, err);
        var o = Json(output);
        Assert.Equal(256, o["seq_len"]!.GetValue<int>());
        Assert.Equal(8, o["rows_per_rank"]!.GetValue<int>());
        Assert.Equal(64, o["rollout_batch"]!.GetValue<int>());
        Assert.Equal(160, o["max_new_tokens"]!.GetValue<int>());
        Assert.Equal(96, o["prompt_len"]!.GetValue<int>());           // 256 - 160
        Assert.Equal("bf16", o["dtype"]!.GetValue<string>());
        Assert.Contains("vocabulary 2200", o["model_source"]!.GetValue<string>());
    }

    [Fact]
    public void Plan_Table_SaysWhetherItFits()
    {
        var (exit, output, err) = _h.Run("plan", "--preset", "base", "--gpu-memory", "1GiB");

        Assert.True(exit == 0, err);
        Assert.Contains("model preset base", output);
        Assert.Contains("activations", output);
        Assert.Contains("does NOT fit", output);
    }

    [Theory]
    [InlineData("--ranks", "0", "--ranks must be >= 1, got 0")]
    [InlineData("--zero", "2", "--zero must be 0 or 1, got 2")]
    [InlineData("--dtype", "fp8", "--dtype must be bf16 or f32, got 'fp8'")]
    [InlineData("--gpu-memory", "lots", "--gpu-memory: 'lots' is not a size")]
    [InlineData("--max-new-tokens", "0", "--max-new-tokens must be >= 1, got 0")]
    public void Plan_BadValue_NamesTheFlag(string flag, string value, string message)
    {
        var (exit, _, err) = _h.Run("plan", "--preset", "smoke", flag, value);

        Assert.Equal(2, exit);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Plan_ModelWithoutSeqLen_AsksForIt()
    {
        var (exit, _, err) = _h.Run("plan", "--model", TinyModelDir(), "--batch", "4");

        Assert.Equal(2, exit);
        Assert.Contains("--seq-len is required with --model", err);
    }

    [Fact]
    public void Plan_ModelAndPreset_AsksForOne()
    {
        var (exit, _, err) = _h.Run("plan", "--model", TinyModelDir(), "--preset", "tiny");

        Assert.Equal(2, exit);
        Assert.Contains("exactly one of --model DIR", err);
    }

    [Fact]
    public void Plan_DirectoryWithoutConfig_NamesIt()
    {
        Directory.CreateDirectory(_h.PathOf("empty"));
        var (exit, _, err) = _h.Run("plan", "--model", _h.PathOf("empty"), "--seq-len", "8", "--batch", "1");

        Assert.Equal(2, exit);
        Assert.Contains("has no config.json", err);
    }

    [Fact]
    public void Plan_UnknownPreset_ListsTheKnownOnes()
    {
        var (exit, _, err) = _h.Run("plan", "--preset", "huge");

        Assert.Equal(2, exit);
        Assert.Contains("--preset: 'huge' is neither", err);
        Assert.Contains("smoke, tiny, small, base", err);
    }
}
