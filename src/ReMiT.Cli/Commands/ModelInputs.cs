using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Tokenization;

namespace ReMiT.Cli.Commands;

/// <summary>A model directory opened for a command: the model and, when the directory has one, its tokenizer.</summary>
internal sealed class ModelInputs : IDisposable
{
    private ModelInputs(DecoderModel model, HfTokenizer? tokenizer, string directory)
    {
        Model = model; Tokenizer = tokenizer; Directory = directory;
    }

    public DecoderModel Model { get; }
    public HfTokenizer? Tokenizer { get; }
    public string Directory { get; }

    public static ModelInputs Open(string directory, string device, string dtype)
    {
        TorchRuntime.EnsureLoaded();
        var dev = TorchRuntime.ResolveDevice(device);
        var type = TorchRuntime.ParseDtype(dtype);
        string tokenizerPath = Path.Combine(directory, HfCheckpoint.TokenizerFile);
        var tokenizer = File.Exists(tokenizerPath) ? HfTokenizer.Load(tokenizerPath) : null;
        return new ModelInputs(HfCheckpoint.Load(directory, dev, type), tokenizer, directory);
    }

    /// <summary>The token ids of a line: its <c>input_ids</c>, or its <c>text</c> encoded with the directory's tokenizer.</summary>
    public int[] Ids(JsonObject line)
    {
        if (line.ContainsKey("input_ids")) return JsonLinesFile.Required<int[]>(line, "input_ids");
        if (!line.ContainsKey("text"))
            throw new JsonLineException("needs 'input_ids' (or 'text' when the model directory has a tokenizer.json)");
        if (Tokenizer is null)
            throw new JsonLineException($"has 'text' but {Directory} has no {HfCheckpoint.TokenizerFile}; give 'input_ids' instead");
        return Tokenizer.Encode(JsonLinesFile.Required<string>(line, "text"));
    }

    public static JsonArray ToJson(IEnumerable<int> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    public static JsonArray ToJson(IEnumerable<float> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    public void Dispose() => Model.Dispose();
}
