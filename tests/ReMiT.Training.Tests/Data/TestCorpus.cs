using ReMiT.Tokenization;
using ReMiT.Tokenization.Training;
using ReMiT.Training.Data;

namespace ReMiT.Training.Tests.Data;

/// <summary>Small shared fixtures: a GSM + K&amp;K corpus and a tokenizer trained on it once per test run.</summary>
internal static class TestCorpus
{
    public static CorpusMixture Mixture { get; } = new(
    [
        new GsmCorpusSource { Ops = "2-6", Weight = 3 },
        new KkCorpusSource { People = "2-3", Weight = 1 },
    ]);

    private static readonly Lazy<IReadOnlyList<Document>> LazyDocuments = new(() => Mixture.Generate(60, seed: 7));

    private static readonly Lazy<HfTokenizer> LazyTokenizer = new(() =>
        BpeTrainer.Train(Documents.Select(d => d.Text), new BpeTrainerOptions { VocabSize = 500 }));

    public static IReadOnlyList<Document> Documents => LazyDocuments.Value;

    public static HfTokenizer Tokenizer => LazyTokenizer.Value;

    /// <summary>
    /// Documents whose ids say where they came from: document d, token j has id 1000·d + j, so a
    /// reconstructed stream can be checked token by token. The mask is 0 on the first token (the BOS).
    /// </summary>
    public static TokenizedDocument[] Numbered(params int[] lengths) =>
        lengths.Select((n, d) => new TokenizedDocument(
            Enumerable.Range(0, n).Select(j => 1000 * d + j).ToArray(),
            Enumerable.Range(0, n).Select(j => j == 0 ? 0f : 1f).ToArray())).ToArray();
}
