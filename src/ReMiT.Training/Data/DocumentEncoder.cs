using ReMiT.Tokenization;

namespace ReMiT.Training.Data;

/// <summary>
/// Turns documents into BOS + ids + EOS with a loss mask. With <c>maskPrompt</c> (SFT) only the
/// completion and the EOS are trained; without it (pre-/mid-training) every token but the BOS is.
/// </summary>
/// <remarks>
/// The prompt and the completion are encoded separately and concatenated, so the mask boundary falls
/// exactly between them. The ids then equal <c>Encode(Text)</c> whenever the tokenizer would split
/// the text at that boundary anyway: for GSM the prompt ends with the special token "&lt;solution&gt;",
/// which always splits; for K&amp;K it ends with "\n\n" before a letter, which the Qwen split
/// regex also separates (the tests check both on generated corpora). The same ids are used with and
/// without masking, so an SFT run and a mid-training run see one tokenization of a document.
/// </remarks>
public sealed class DocumentEncoder
{
    private readonly HfTokenizer _tokenizer;
    private readonly bool _maskPrompt;

    public DocumentEncoder(HfTokenizer tokenizer, bool maskPrompt)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _maskPrompt = maskPrompt;
        Special = SpecialTokenIds.From(tokenizer);
    }

    public SpecialTokenIds Special { get; }

    public bool MaskPrompt => _maskPrompt;

    public TokenizedDocument Encode(Document document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return Encode(document.Prompt, document.Completion);
    }

    /// <summary>BOS + ids(prompt) + ids(completion) + EOS with this encoder's loss mask.</summary>
    public TokenizedDocument Encode(string prompt, string completion)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(completion);
        int[] p = _tokenizer.Encode(prompt);
        int[] c = _tokenizer.Encode(completion);
        int n = p.Length + c.Length + 2;
        var ids = new int[n];
        var mask = new float[n];
        ids[0] = Special.Bos;
        p.CopyTo(ids, 1);
        c.CopyTo(ids, 1 + p.Length);
        ids[n - 1] = Special.Eos;
        // Index 0 (BOS) is never a prediction target; with masking the prompt is context only.
        int firstTrained = _maskPrompt ? 1 + p.Length : 1;
        Array.Fill(mask, 1f, firstTrained, n - firstTrained);
        return new TokenizedDocument(ids, mask);
    }

    /// <summary>Encodes many documents on all cores, keeping their order.</summary>
    public IReadOnlyList<TokenizedDocument> EncodeAll(IReadOnlyList<Document> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var result = new TokenizedDocument[documents.Count];
        Parallel.For(0, documents.Count, i => result[i] = Encode(documents[i]));
        return result;
    }
}
