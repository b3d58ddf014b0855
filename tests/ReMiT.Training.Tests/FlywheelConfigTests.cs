using System.Text.Json.Nodes;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Losses;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests;

public sealed class FlywheelConfigTests
{
    private static string Preset(string name) => Path.Combine(RepoPaths.Root, "cluster", "presets", name + ".json");

    [Theory]
    [InlineData("smoke")]
    [InlineData("tiny")]
    [InlineData("small")]
    public void Load_ShippedPresets_AreValid(string name) => Assert.Equal(name, ConfigLoader.Load(Preset(name)).Name);

    [Fact]
    public void Load_Override_SetsNestedValue()
    {
        var config = ConfigLoader.Load(Preset("smoke"), ["mid_train.epsilon=0.3", "iterations=2"]);
        Assert.Equal(0.3, config.MidTrain.Epsilon);
        Assert.Equal(2, config.Iterations);
    }

    [Theory]
    [InlineData("smoke")]
    [InlineData("tiny")]
    [InlineData("small")]
    public void Load_ShippedPresets_SayWhichMidTrainingRecipeTheyFollow(string name) =>
        Assert.Contains("\"recipe\"", File.ReadAllText(Preset(name)));

    [Fact]
    public void Load_KdTemperature_ReachesTheTypedKdWeighting()
    {
        var config = ConfigLoader.Load(Preset("smoke"), ["mid_train.kd_temperature=2.5", "mid_train.kd_ntp_mix=0.25"]);

        Assert.Equal(new KdConfig(NtpMix: 0.25, Temperature: 2.5), config.MidTrain.Weighting("kd"));
    }

    [Fact]
    public void Load_TypedWeighting_WinsOverTheFlatKeys()
    {
        var config = ConfigLoader.Load(Preset("smoke"),
            ["mid_train.epsilon=0.3", "mid_train.weightings={\"remit\": {\"type\": \"remit\", \"epsilon\": 0.1}}"]);

        Assert.Equal(new ReMiTConfig(Epsilon: 0.1), config.MidTrain.Weighting("remit"));
        Assert.Equal(new Rho1Config(KeepRatio: 0.8), config.MidTrain.Weighting("rho1"));
    }

    [Fact]
    public void Load_BadRecipeAndRewarmup_NameTheKeys()
    {
        var e = Assert.Throws<InvalidDataException>(() =>
            ConfigLoader.Load(Preset("smoke"), ["mid_train.recipe=\"wsd\"", "mid_train.rewarmup_fraction=1.5"]));

        Assert.Contains("recipe must be \"decay\" or \"interplay\"", e.Message);
        Assert.Contains("rewarmup_fraction must be in [0, 1)", e.Message);
    }

    [Fact]
    public void Load_UnknownKey_NamesItsPath()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"), ["mid_train.epsilonn=0.3"]));
        Assert.Contains("epsilonn", e.Message);
    }

    [Fact]
    public void Load_BadValues_ListedTogetherBeforeAnyTraining()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"),
            ["rl.templates=[\"zoo\",\"circus\"]", "eval.edge_ops=ten", "mid_train.epsilon=1.5", "rl.group_size=1"]));
        foreach (string part in new[] { "rl.templates[1] 'circus'", "eval.edge_ops 'ten'", "mid_train.epsilon must be in (0, 1)", "rl.group_size must be >= 2" })
            Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Load_BadClusterSettings_NamedWithTheirKeys()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"),
            ["cluster.prompts_per_work=3", "cluster.lease_timeout_s=0", "cluster.guide_prefetch=0"]));
        foreach (string part in new[] { "cluster.prompts_per_work (3) must divide rl.prompts_per_step (4)", "cluster.lease_timeout_s must be > 0",
                                        "cluster.guide_prefetch must be >= 1" })
            Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Load_BadStallRetryAndMessageCap_NamedWithTheirKeys()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"),
            ["cluster.lease_timeout_s=100", "cluster.stall_timeout_s=100", "cluster.retry_after_s=0", "cluster.max_message_mib=2000"]));
        foreach (string part in new[] { "cluster.stall_timeout_s must be > lease_timeout_s (100)", "cluster.retry_after_s must be > 0 and < stall_timeout_s (100)",
                                        "cluster.max_message_mib must be in 1..1024, got 2000" })
            Assert.Contains(part, e.Message);
        var ok = ConfigLoader.Load(Preset("smoke"), ["cluster.lease_timeout_s=60", "cluster.stall_timeout_s=120", "cluster.retry_after_s=5", "cluster.max_message_mib=8"]).Cluster;
        Assert.Equal((120.0, 5.0, 8), (ok.StallTimeoutS, ok.RetryAfterS, ok.MaxMessageMib));
    }

    [Fact]
    public void Load_ActivationCheckpointing_OffByDefaultOnByOverrideAndReachesTheModel()
    {
        Assert.False(ConfigLoader.Load(Preset("smoke")).Train.ActivationCheckpointing);
        var config = ConfigLoader.Load(Preset("smoke"), ["train.activation_checkpointing=true"]);
        Assert.True(config.Train.ActivationCheckpointing);
        using var model = new DecoderModel(ModelPresets.Get("smoke").Config);
        config.Train.ApplyTo(model);
        Assert.True(model.ActivationCheckpointing);
        new TrainingMemorySection().ApplyTo(model);
        Assert.False(model.ActivationCheckpointing);
    }

    [Fact]
    public void Load_PresetWithTrainSection_SetsActivationCheckpointing()
    {
        string text = File.ReadAllText(Preset("smoke"));
        string path = Path.Combine(Path.GetTempPath(), $"remit-preset-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{\n  \"train\": { \"activation_checkpointing\": true }," + text[(text.IndexOf('{') + 1)..]);
        try { Assert.True(ConfigLoader.Load(path).Train.ActivationCheckpointing); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Load_ActivationCheckpointingNotABoolean_NamesTheKey()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"), ["train.activation_checkpointing=sometimes"]));
        Assert.Contains("train.activation_checkpointing", e.Message);
    }

    [Fact]
    public void Load_LearnerZero_ZeroByDefaultOneByOverride()
    {
        Assert.Equal(0, ConfigLoader.Load(Preset("smoke")).Learner.Zero);
        Assert.Equal(1, ConfigLoader.Load(Preset("smoke"), ["learner.zero=1"]).Learner.Zero);
    }

    [Fact]
    public void Load_LearnerZeroTwo_FailsNamingTheKeyAndTheChoices()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"), ["learner.zero=2"]));
        Assert.Contains("learner.zero must be 0", e.Message);
        Assert.Contains("got 2", e.Message);
    }

    [Fact]
    public void Load_MaxShardSize_5GBByDefaultAndTakesAnOverride()
    {
        Assert.Equal("5GB", ConfigLoader.Load(Preset("smoke")).MaxShardSize);
        Assert.Equal("20KB", ConfigLoader.Load(Preset("smoke"), ["max_shard_size=\"20KB\""]).MaxShardSize);
    }

    [Fact]
    public void Load_MaxShardSizeNotASize_FailsNamingTheKey()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"), ["max_shard_size=\"five\""]));
        Assert.Contains("max_shard_size", e.Message);
        Assert.Contains("five", e.Message);
    }

    [Fact]
    public void SaveModel_SmallMaxShardSize_WritesShardsAndIndexThatLoadBack()
    {
        // The smoke model in float32 (its parameter count times 4 bytes) is far above 20 KB: several shards.
        string dir = Path.Combine(Path.GetTempPath(), $"remit-stage-model-{Guid.NewGuid():N}");
        try
        {
            using var model = new DecoderModel(ModelPresets.Get("smoke").Config);
            model.InitializeWeights(seed: 3);
            StageRunner.SaveModel(model, Path.Combine(dir, "sharded"), ConfigLoader.Load(Preset("smoke"), ["max_shard_size=\"20KB\""]));
            StageRunner.SaveModel(model, Path.Combine(dir, "single"), ConfigLoader.Load(Preset("smoke")));

            Assert.True(Directory.GetFiles(Path.Combine(dir, "sharded"), "model-*-of-*.safetensors").Length >= 2);
            Assert.True(File.Exists(Path.Combine(dir, "sharded", SafeTensorsIndex.FileName)));
            Assert.True(File.Exists(Path.Combine(dir, "single", HfCheckpoint.WeightsFile)));
            using var loaded = HfCheckpoint.Load(Path.Combine(dir, "sharded"));
            var original = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, p) in loaded.named_parameters())
                Assert.True((p - original[name]).abs().max().item<float>() == 0, name);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
