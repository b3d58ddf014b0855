using ReMiT.Model.Checkpoints;
using ReMiT.Tests.Shared;

namespace ReMiT.Model.Tests.Checkpoints;

public sealed class HfGenerationConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("remit-gencfg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void StopTokenIds_Llama3InstructStyle_AddsGenerationConfigIdsAfterConfigs()
    {
        // Llama 3 Instruct: config.json names <|end_of_text|> 128001; generation_config.json also <|eom_id|>, <|eot_id|>.
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"model_type": "llama", "eos_token_id": 128001}""");
        File.WriteAllText(Path.Combine(_dir, "generation_config.json"), """{"bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009]}""");
        Assert.Equal(new[] { 128001, 128008, 128009 }, HfGenerationConfig.StopTokenIds(_dir));
    }

    [Fact]
    public void StopTokenIds_OnlyConfigList_GivesEveryEntry()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"eos_token_id": [151645, 151643], "pad_token_id": null}""");
        Assert.Equal(new[] { 151645, 151643 }, HfGenerationConfig.StopTokenIds(_dir));
    }

    [Fact]
    public void StopTokenIds_Fixture_IsItsEosToken() =>
        Assert.Equal(new[] { 2 }, HfGenerationConfig.StopTokenIds(RepoPaths.Fixture("hf-reference", "llama-tiny")));

    [Fact]
    public void StopTokenIds_NoEosAnywhere_IsEmpty()
    {
        File.WriteAllText(Path.Combine(_dir, "config.json"), """{"eos_token_id": null}""");
        Assert.Empty(HfGenerationConfig.StopTokenIds(_dir));
    }

    [Fact]
    public void StopTokenIds_BadEosValue_NamesFileAndKey()
    {
        File.WriteAllText(Path.Combine(_dir, "generation_config.json"), """{"eos_token_id": ["eos"]}""");
        var e = Assert.Throws<InvalidDataException>(() => HfGenerationConfig.StopTokenIds(_dir));
        Assert.Equal("generation_config.json: 'eos_token_id' is [\"eos\"]; expected a token id or a list of token ids.", e.Message);
    }
}
