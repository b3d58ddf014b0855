using System.Text;
using ReMiT.Tokenization.Normalization;
using ReMiT.Tokenization.PreTokenization;

namespace ReMiT.Tokenization;

/// <summary>
/// A byte-level BPE tokenizer (GPT-2, Qwen2/3, Llama-3 family) loaded from, and saved as, a Hugging
/// Face <c>tokenizer.json</c>, encoding and decoding exactly as HF <c>tokenizers</c> does:
/// added tokens split off first, then NFC, Split (Isolated) regexes, ByteLevel, BPE.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers 2.0.1 is not used for encoding: it has no <c>tokenizer.json</c> loader
/// and no NFC under invariant globalization, its special-token matching has no <c>single_word</c>/
/// <c>lstrip</c>/<c>rstrip</c>/<c>normalized</c> semantics, and its regex pre-tokenizer runs .NET
/// regex over UTF-16 (astral letters are not <c>\p{L}</c>). The tests use its <c>BpeTokenizer</c>
/// (ByteLevel) as an independent check of our BPE merging.
/// </remarks>
public sealed class HfTokenizer
{
    private readonly BpeModel _model;
    private readonly AddedVocabulary _added;
    private readonly bool _nfc;
    private readonly OnigurumaPattern[] _splits;
    private readonly string? _postProcessorJson;

    internal HfTokenizer(BpeModel model, IReadOnlyList<AddedToken> addedTokens, bool nfc, IReadOnlyList<string> splitPatterns, string? postProcessorJson)
    {
        _model = model;
        _added = new AddedVocabulary(addedTokens);
        _nfc = nfc;
        _splits = splitPatterns.Select(p => new OnigurumaPattern(p)).ToArray();
        _postProcessorJson = postProcessorJson;
        VocabSize = Math.Max(model.IdToToken.Length, addedTokens.Count == 0 ? 0 : addedTokens.Max(t => t.Id) + 1);
    }

    /// <summary>Loads <c>tokenizer.json</c> from a file path or from a directory holding one.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Invalid JSON or an unsupported component; the message names the file and JSON path.</exception>
    public static HfTokenizer Load(string pathOrDir)
    {
        string file = Directory.Exists(pathOrDir) ? Path.Combine(pathOrDir, "tokenizer.json") : pathOrDir;
        if (!File.Exists(file))
            throw new FileNotFoundException($"Tokenizer file '{file}' does not exist; pass a tokenizer.json or a directory holding one.", file);
        return TokenizerJsonReader.Read(file);
    }

    /// <summary>One more than the largest id of the vocab and the added tokens.</summary>
    public int VocabSize { get; }

    /// <summary>The added tokens (special and not), in file order.</summary>
    public IReadOnlyList<AddedToken> AddedTokens => _added.Tokens;

    /// <summary>The BPE merges in rank order.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges => _model.Merges;

    internal bool NormalizesNfc => _nfc;

    internal IReadOnlyList<string> SplitPatterns => _splits.Select(s => s.Pattern).ToArray();

    internal string? PostProcessorJson => _postProcessorJson;

    internal BpeModel Model => _model;

    /// <summary>The id of a token (added tokens first, then the vocab), or null.</summary>
    public int? TokenToId(string token) =>
        _added.ByContent.TryGetValue(token, out AddedToken? a) ? a.Id :
        _model.Vocab.TryGetValue(token, out int id) ? id : null;

    /// <summary>The token of an id (added tokens first, then the vocab), or null.</summary>
    public string? IdToToken(int id) =>
        _added.ById.TryGetValue(id, out AddedToken? a) ? a.Content :
        id >= 0 && id < _model.IdToToken.Length ? _model.IdToToken[id] : null;

    /// <summary>The ids of <paramref name="text"/>, with no BOS/EOS added.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        if (!_added.HasRaw)
        {
            EncodeNormalizing(text, ids);
            return ids.ToArray();
        }
        foreach ((int start, int length, AddedToken? token) in _added.Split(text, normalizedTokens: false))
        {
            if (token is not null) ids.Add(token.Id);
            else EncodeNormalizing(text.Substring(start, length), ids);
        }
        return ids.ToArray();
    }

    /// <summary>The text of <paramref name="ids"/>; bytes that are not valid UTF-8 become U+FFFD, as in HF.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is in neither the vocab nor the added tokens.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        for (int i = 0; i < ids.Length; i++)
        {
            int id = ids[i];
            if (_added.ById.TryGetValue(id, out AddedToken? added))
            {
                if (skipSpecialTokens && added.Special) continue;
                ByteLevel.AppendBytes(added.Content, bytes);
                continue;
            }
            string token = (id >= 0 && id < _model.IdToToken.Length ? _model.IdToToken[id] : null)
                ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"token id {id} at position {i} is not in the vocabulary (size {VocabSize})");
            ByteLevel.AppendBytes(token, bytes);
        }
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>Writes this tokenizer as a Hugging Face <c>tokenizer.json</c>.</summary>
    public void Save(string path) => TokenizerJsonWriter.Write(this, path);

    private void EncodeNormalizing(string piece, List<int> ids)
    {
        string normalized = _nfc ? Nfc.Normalize(piece) : piece;
        if (!_added.HasNormalized)
        {
            EncodePlain(normalized, ids);
            return;
        }
        foreach ((int start, int length, AddedToken? token) in _added.Split(normalized, normalizedTokens: true))
        {
            if (token is not null) ids.Add(token.Id);
            else EncodePlain(normalized.Substring(start, length), ids);
        }
    }

    private void EncodePlain(string text, List<int> ids)
    {
        if (text.Length == 0) return;
        List<string> pieces = [text];
        foreach (OnigurumaPattern split in _splits)
        {
            var next = new List<string>(pieces.Count * 2);
            foreach (string piece in pieces) SplitIsolated(split, piece, next);
            pieces = next;
        }
        foreach (string piece in pieces) _model.Tokenize(ByteLevel.Encode(piece), ids);
    }

    /// <summary>HF's <c>SplitDelimiterBehavior::Isolated</c>: every match and every gap between matches is a piece.</summary>
    internal static void SplitIsolated(OnigurumaPattern split, string text, List<string> output)
    {
        int last = 0;
        foreach ((int start, int length) in split.Matches(text))
        {
            if (start > last) output.Add(text[last..start]);
            output.Add(text.Substring(start, length));
            last = start + length;
        }
        if (last < text.Length) output.Add(text[last..]);
    }
}
