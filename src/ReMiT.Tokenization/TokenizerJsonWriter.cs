using System.Text.Encodings.Web;
using System.Text.Json;

namespace ReMiT.Tokenization;

/// <summary>Writes the <c>tokenizer.json</c> schema of HF <c>tokenizers</c> (version "1.0").</summary>
internal static class TokenizerJsonWriter
{
    public static void Write(HfTokenizer tokenizer, string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        using (var stream = File.Create(tmp))
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");

            w.WriteStartArray("added_tokens");
            foreach (AddedToken t in tokenizer.AddedTokens.OrderBy(t => t.Id))
            {
                w.WriteStartObject();
                w.WriteNumber("id", t.Id);
                w.WriteString("content", t.Content);
                w.WriteBoolean("single_word", t.SingleWord);
                w.WriteBoolean("lstrip", t.LStrip);
                w.WriteBoolean("rstrip", t.RStrip);
                w.WriteBoolean("normalized", t.Normalized);
                w.WriteBoolean("special", t.Special);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            if (tokenizer.NormalizesNfc)
            {
                w.WriteStartObject("normalizer");
                w.WriteString("type", "NFC");
                w.WriteEndObject();
            }
            else
                w.WriteNull("normalizer");

            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            foreach (string pattern in tokenizer.SplitPatterns)
            {
                w.WriteStartObject();
                w.WriteString("type", "Split");
                w.WriteStartObject("pattern");
                w.WriteString("Regex", pattern);
                w.WriteEndObject();
                w.WriteString("behavior", "Isolated");
                w.WriteBoolean("invert", false);
                w.WriteEndObject();
            }
            WriteByteLevel(w, null);
            w.WriteEndArray();
            w.WriteEndObject();

            if (tokenizer.PostProcessorJson is null)
                w.WriteNull("post_processor");
            else
            {
                w.WritePropertyName("post_processor");
                using JsonDocument pp = JsonDocument.Parse(tokenizer.PostProcessorJson);
                pp.RootElement.WriteTo(w);
            }
            WriteByteLevel(w, "decoder");

            BpeModel model = tokenizer.Model;
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout");
            if (model.UnknownToken is null) w.WriteNull("unk_token");
            else w.WriteString("unk_token", model.UnknownToken);
            w.WriteString("continuing_subword_prefix", "");
            w.WriteString("end_of_word_suffix", "");
            w.WriteBoolean("fuse_unk", false);
            w.WriteBoolean("byte_fallback", false);
            w.WriteBoolean("ignore_merges", model.IgnoreMerges);
            w.WriteStartObject("vocab");
            foreach ((string token, int id) in model.Vocab.OrderBy(kv => kv.Value)) w.WriteNumber(token, id);
            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach ((string left, string right) in model.Merges)
            {
                // The array form: unambiguous even when a token contains a space.
                w.WriteStartArray();
                w.WriteStringValue(left);
                w.WriteStringValue(right);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        File.Move(tmp, path, overwrite: true);
    }

    private static void WriteByteLevel(Utf8JsonWriter w, string? propertyName)
    {
        if (propertyName is null) w.WriteStartObject();
        else w.WriteStartObject(propertyName);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", false);
        w.WriteBoolean("trim_offsets", false);
        w.WriteBoolean("use_regex", false);
        w.WriteEndObject();
    }
}
