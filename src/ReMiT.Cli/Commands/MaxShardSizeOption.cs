using System.CommandLine;
using ReMiT.Model.Checkpoints;

namespace ReMiT.Cli.Commands;

/// <summary><c>--max-shard-size</c>, the same option wherever a command writes a Hugging Face model directory.</summary>
internal static class MaxShardSizeOption
{
    public static Option<string> Create() => new("--max-shard-size")
    {
        Description = "Largest weight file when saving the model (e.g. 5GB, 500MB, 2GiB, or bytes); a bigger model is split into " +
                      "model-00001-of-0000N.safetensors files plus model.safetensors.index.json, as transformers does.",
        DefaultValueFactory = _ => "5GB",
    };

    /// <exception cref="ArgumentException">The value is not a positive size; the message names the option.</exception>
    public static long Bytes(string value)
    {
        try
        {
            return ShardSize.Parse(value);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--max-shard-size: {e.Message}", e);
        }
    }
}
