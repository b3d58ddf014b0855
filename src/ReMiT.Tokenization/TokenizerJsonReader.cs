using System.Text.Json;
using ReMiT.Tokenization.PreTokenization;

namespace ReMiT.Tokenization;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> of a byte-level BPE model. Anything this port cannot
/// reproduce exactly is rejected with the file and the JSON path of the element, never ignored.
/// </summary>
internal static class TokenizerJsonReader
{
    /// <summary>The pattern HF's ByteLevel pre-tokenizer splits with when <c>use_regex</c> is true (GPT-2's).</summary>
    internal const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static HfTokenizer Read(string file)
    {
        byte[] bytes = File.ReadAllBytes(file);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not valid JSON ({e.Message}).", e);
        }
        using (doc)
        {
            var ctx = new Context(file);
            JsonElement root = ctx.Object(doc.RootElement, "$");
            JsonElement model = ctx.Object(ctx.Property(root, "$", "model"), "$.model");
            BpeModel bpe = ReadModel(ctx, model);
            List<AddedToken> added = ReadAddedTokens(ctx, root);
            bool nfc = ReadNormalizer(ctx, root);
            List<string> patterns = ReadPreTokenizer(ctx, root);
            ReadDecoder(ctx, root);
            string? postProcessor = root.TryGetProperty("post_processor", out JsonElement pp) && pp.ValueKind != JsonValueKind.Null
                ? pp.GetRawText() : null;
            return new HfTokenizer(bpe, added, nfc, patterns, postProcessor);
        }
    }

    private static BpeModel ReadModel(Context ctx, JsonElement model)
    {
        string type = model.TryGetProperty("type", out JsonElement t) ? ctx.String(t, "$.model.type") : "BPE";
        if (type != "BPE")
            throw ctx.Error("$.model.type", $"model type '{type}' is not supported; only byte-level BPE (\"BPE\") is");
        ctx.RequireNullOrValue(model, "$.model", "dropout", v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 0, "null (dropout is not supported)");
        ctx.RequireNullOrValue(model, "$.model", "continuing_subword_prefix", v => v.ValueKind == JsonValueKind.String && v.GetString() == "", "null or \"\"");
        ctx.RequireNullOrValue(model, "$.model", "end_of_word_suffix", v => v.ValueKind == JsonValueKind.String && v.GetString() == "", "null or \"\"");
        ctx.RequireNullOrValue(model, "$.model", "byte_fallback", v => v.ValueKind == JsonValueKind.False, "false (byte_fallback is not supported)");
        ctx.RequireNullOrValue(model, "$.model", "fuse_unk", v => v.ValueKind == JsonValueKind.False, "false (fuse_unk is not supported)");
        bool ignoreMerges = model.TryGetProperty("ignore_merges", out JsonElement im) && ctx.Bool(im, "$.model.ignore_merges");
        string? unk = model.TryGetProperty("unk_token", out JsonElement u) && u.ValueKind != JsonValueKind.Null ? ctx.String(u, "$.model.unk_token") : null;

        JsonElement vocabJson = ctx.Object(ctx.Property(model, "$.model", "vocab"), "$.model.vocab");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty p in vocabJson.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
                throw ctx.Error($"$.model.vocab[{JsonSerializer.Serialize(p.Name)}]", $"expected a non-negative integer id, found {p.Value.GetRawText()}");
            vocab[p.Name] = id;
        }

        JsonElement mergesJson = ctx.Property(model, "$.model", "merges");
        if (mergesJson.ValueKind != JsonValueKind.Array)
            throw ctx.Error("$.model.merges", $"expected an array, found {mergesJson.ValueKind}");
        var merges = new List<(string, string)>(mergesJson.GetArrayLength());
        int i = 0;
        foreach (JsonElement m in mergesJson.EnumerateArray())
        {
            string path = $"$.model.merges[{i++}]";
            if (m.ValueKind == JsonValueKind.String)
            {
                // The older form "a b": split at the first space, as HF does.
                string s = m.GetString()!;
                int space = s.IndexOf(' ');
                if (space <= 0 || space == s.Length - 1) throw ctx.Error(path, $"expected \"left right\", found {m.GetRawText()}");
                merges.Add((s[..space], s[(space + 1)..]));
            }
            else if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2)
                merges.Add((ctx.String(m[0], path + "[0]"), ctx.String(m[1], path + "[1]")));
            else
                throw ctx.Error(path, $"expected \"left right\" or [\"left\", \"right\"], found {m.GetRawText()}");
        }
        try
        {
            return new BpeModel(vocab, merges, ignoreMerges, unk);
        }
        catch (ArgumentException e)
        {
            throw ctx.Error("$.model", e.Message);
        }
    }

    private static List<AddedToken> ReadAddedTokens(Context ctx, JsonElement root)
    {
        var result = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out JsonElement list) || list.ValueKind == JsonValueKind.Null) return result;
        if (list.ValueKind != JsonValueKind.Array) throw ctx.Error("$.added_tokens", $"expected an array, found {list.ValueKind}");
        int i = 0;
        foreach (JsonElement t in list.EnumerateArray())
        {
            string path = $"$.added_tokens[{i++}]";
            ctx.Object(t, path);
            JsonElement idJson = ctx.Property(t, path, "id");
            if (!idJson.TryGetInt32(out int id) || id < 0) throw ctx.Error(path + ".id", $"expected a non-negative integer, found {idJson.GetRawText()}");
            string content = ctx.String(ctx.Property(t, path, "content"), path + ".content");
            if (content.Length == 0) throw ctx.Error(path + ".content", "an added token cannot be empty");
            bool Flag(string name, bool fallback) => t.TryGetProperty(name, out JsonElement f) ? ctx.Bool(f, $"{path}.{name}") : fallback;
            bool special = Flag("special", false);
            result.Add(new AddedToken(id, content, special, Flag("single_word", false), Flag("lstrip", false), Flag("rstrip", false), Flag("normalized", !special)));
        }
        return result;
    }

    private static bool ReadNormalizer(Context ctx, JsonElement root)
    {
        if (!root.TryGetProperty("normalizer", out JsonElement n) || n.ValueKind == JsonValueKind.Null) return false;
        string type = ctx.String(ctx.Property(ctx.Object(n, "$.normalizer"), "$.normalizer", "type"), "$.normalizer.type");
        if (type == "NFC") return true;
        if (type == "Sequence")
        {
            JsonElement items = ctx.Property(n, "$.normalizer", "normalizers");
            int i = 0, nfcCount = 0;
            foreach (JsonElement item in items.EnumerateArray())
            {
                string path = $"$.normalizer.normalizers[{i++}].type";
                string itemType = ctx.String(ctx.Property(ctx.Object(item, path), path, "type"), path);
                if (itemType != "NFC") throw ctx.Error(path, $"normalizer '{itemType}' is not supported; only NFC is");
                nfcCount++;
            }
            return nfcCount > 0;
        }
        throw ctx.Error("$.normalizer.type", $"normalizer '{type}' is not supported; only NFC (or none) is");
    }

    /// <summary>The split patterns, in order; the chain must end in a ByteLevel pre-tokenizer.</summary>
    private static List<string> ReadPreTokenizer(Context ctx, JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out JsonElement p) || p.ValueKind == JsonValueKind.Null)
            throw ctx.Error("$.pre_tokenizer", "expected a ByteLevel pre-tokenizer (possibly after Split in a Sequence), found none");
        var steps = new List<(JsonElement Element, string Path)>();
        string type = ctx.String(ctx.Property(ctx.Object(p, "$.pre_tokenizer"), "$.pre_tokenizer", "type"), "$.pre_tokenizer.type");
        if (type == "Sequence")
        {
            int i = 0;
            foreach (JsonElement item in ctx.Property(p, "$.pre_tokenizer", "pretokenizers").EnumerateArray())
                steps.Add((item, $"$.pre_tokenizer.pretokenizers[{i++}]"));
        }
        else
            steps.Add((p, "$.pre_tokenizer"));

        var patterns = new List<string>();
        for (int i = 0; i < steps.Count; i++)
        {
            (JsonElement step, string path) = steps[i];
            string stepType = ctx.String(ctx.Property(ctx.Object(step, path), path, "type"), path + ".type");
            switch (stepType)
            {
                case "Split":
                    patterns.Add(ReadSplit(ctx, step, path));
                    break;
                case "ByteLevel":
                    if (i != steps.Count - 1) throw ctx.Error(path, "ByteLevel must be the last pre-tokenizer");
                    if (step.TryGetProperty("add_prefix_space", out JsonElement aps) && ctx.Bool(aps, path + ".add_prefix_space"))
                        throw ctx.Error(path + ".add_prefix_space", "add_prefix_space=true is not supported");
                    if (!step.TryGetProperty("use_regex", out JsonElement ur) || ctx.Bool(ur, path + ".use_regex"))
                        patterns.Add(Gpt2Pattern);
                    return Validated(ctx, patterns, path);
                default:
                    throw ctx.Error(path + ".type", $"pre-tokenizer '{stepType}' is not supported; only Split (Isolated) and ByteLevel are");
            }
        }
        throw ctx.Error("$.pre_tokenizer", "expected the pre-tokenizers to end with ByteLevel (this port supports byte-level BPE only)");
    }

    private static string ReadSplit(Context ctx, JsonElement split, string path)
    {
        string behavior = ctx.String(ctx.Property(split, path, "behavior"), path + ".behavior");
        if (behavior != "Isolated") throw ctx.Error(path + ".behavior", $"Split behavior '{behavior}' is not supported; only Isolated is");
        if (split.TryGetProperty("invert", out JsonElement inv) && ctx.Bool(inv, path + ".invert"))
            throw ctx.Error(path + ".invert", "invert=true is not supported");
        JsonElement pattern = ctx.Object(ctx.Property(split, path, "pattern"), path + ".pattern");
        if (pattern.TryGetProperty("Regex", out JsonElement regex)) return ctx.String(regex, path + ".pattern.Regex");
        if (pattern.TryGetProperty("String", out JsonElement literal))
            return System.Text.RegularExpressions.Regex.Escape(ctx.String(literal, path + ".pattern.String"));
        throw ctx.Error(path + ".pattern", "expected {\"Regex\": …} or {\"String\": …}");
    }

    private static List<string> Validated(Context ctx, List<string> patterns, string path)
    {
        foreach (string pattern in patterns)
        {
            try
            {
                _ = new OnigurumaPattern(pattern);
            }
            catch (ArgumentException e)
            {
                throw ctx.Error(path, $"split pattern cannot be used: {e.Message}");
            }
        }
        return patterns;
    }

    private static void ReadDecoder(Context ctx, JsonElement root)
    {
        if (!root.TryGetProperty("decoder", out JsonElement d) || d.ValueKind == JsonValueKind.Null)
            throw ctx.Error("$.decoder", "expected a ByteLevel decoder, found none");
        string type = ctx.String(ctx.Property(ctx.Object(d, "$.decoder"), "$.decoder", "type"), "$.decoder.type");
        if (type != "ByteLevel") throw ctx.Error("$.decoder.type", $"decoder '{type}' is not supported; only ByteLevel is");
    }

    /// <summary>Type checks that name the file and JSON path of a bad element.</summary>
    private sealed class Context(string file)
    {
        public InvalidDataException Error(string path, string message) => new($"{file}: {path}: {message}.");

        public JsonElement Object(JsonElement e, string path) =>
            e.ValueKind == JsonValueKind.Object ? e : throw Error(path, $"expected an object, found {e.ValueKind}");

        public JsonElement Property(JsonElement obj, string path, string name) =>
            obj.TryGetProperty(name, out JsonElement v) ? v : throw Error($"{path}.{name}", "missing");

        public string String(JsonElement e, string path) =>
            e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Error(path, $"expected a string, found {e.GetRawText()}");

        public bool Bool(JsonElement e, string path) => e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(path, $"expected true or false, found {e.GetRawText()}"),
        };

        public void RequireNullOrValue(JsonElement obj, string path, string name, Func<JsonElement, bool> ok, string expected)
        {
            if (obj.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null && !ok(v))
                throw Error($"{path}.{name}", $"expected {expected}, found {v.GetRawText()}");
        }
    }
}
