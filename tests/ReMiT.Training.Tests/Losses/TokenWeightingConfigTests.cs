using System.Text.Json;
using ReMiT.Training.Losses;

namespace ReMiT.Training.Tests.Losses;

public sealed class TokenWeightingConfigTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Theory]
    [InlineData("""{"type":"uniform"}""", "uniform", GuideNeed.None)]
    [InlineData("""{"type":"remit","epsilon":0.3}""", "remit", GuideNeed.TokenLogProbs)]
    [InlineData("""{"type":"rho1","keepRatio":0.6}""", "rho1", GuideNeed.TokenLogProbs)]
    [InlineData("""{"type":"kd","ntpMix":0.5,"temperature":2}""", "kd", GuideNeed.Logits)]
    public void Build_FromJsonType_PicksImplementation(string json, string name, GuideNeed need)
    {
        var config = JsonSerializer.Deserialize<TokenWeightingConfig>(json, Web)!;
        var weighting = config.Build();

        Assert.Equal(name, weighting.Name);
        Assert.Equal(need, weighting.Need);
    }

    [Fact]
    public void Deserialize_ReMiT_ReadsValuesAndKeepsDefaults()
    {
        var config = JsonSerializer.Deserialize<TokenWeightingConfig>("""{"type":"remit","epsilon":0.3}""", Web);

        Assert.Equal(new ReMiTConfig(Epsilon: 0.3, Clip: true), config);
        var weighting = Assert.IsType<ReMiTWeighting>(config!.Build());
        Assert.Equal(0.3, weighting.Epsilon);
    }

    [Fact]
    public void Serialize_EveryKind_RoundTripsWithTypeDiscriminator()
    {
        TokenWeightingConfig[] configs = [new UniformConfig(), new ReMiTConfig(0.1, false), new Rho1Config(0.5), new KdConfig(0.2, 3.0)];
        foreach (var config in configs)
        {
            string json = JsonSerializer.Serialize(config);
            Assert.StartsWith("{\"type\":", json);
            Assert.Equal(config, JsonSerializer.Deserialize<TokenWeightingConfig>(json));
        }
    }

    [Fact]
    public void Deserialize_UnknownType_Throws()
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<TokenWeightingConfig>("""{"type":"focal"}""", Web));
    }

    [Fact]
    public void Defaults_MatchDesign()
    {
        Assert.Equal(0.2, new ReMiTConfig().Epsilon);
        Assert.True(new ReMiTConfig().Clip);
        Assert.Equal(0.8, new Rho1Config().KeepRatio);
        Assert.Equal(0.0, new KdConfig().NtpMix);
        Assert.Equal(1.0, new KdConfig().Temperature);
    }

    [Fact]
    public void Validate_SeveralBadValues_ListsEveryProblem()
    {
        var errors = new KdConfig(NtpMix: 1.5, Temperature: 0).Validate();

        Assert.Equal(2, errors.Count);
        Assert.Contains(errors, e => e.Contains("NtpMix") && e.Contains("1.5"));
        Assert.Contains(errors, e => e.Contains("Temperature"));
        Assert.Single(new ReMiTConfig(Epsilon: -0.1).Validate());
        Assert.Single(new Rho1Config(KeepRatio: 0).Validate());
        Assert.Empty(new ReMiTConfig().Validate());
    }

    [Fact]
    public void Build_Invalid_ThrowsListingProblems()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Rho1Config(KeepRatio: 1.2).Build());
        Assert.Contains("KeepRatio", ex.Message);
        Assert.Contains("1.2", ex.Message);
    }
}
