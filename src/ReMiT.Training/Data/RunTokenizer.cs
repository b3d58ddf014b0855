using ReMiT.Tokenization;
using ReMiT.Tokenization.Training;

namespace ReMiT.Training.Data;

/// <summary>The tokenizer of a run: trained once on the run's corpus and kept in the run directory.</summary>
public static class RunTokenizer
{
    public const string FileName = "tokenizer.json";

    /// <summary>
    /// Loads <paramref name="dir"/>/tokenizer.json if it exists (a resumed run must keep its vocabulary,
    /// whatever the corpus now is); otherwise trains a byte-level BPE with our special tokens on
    /// <paramref name="texts"/> and saves it there (written to a temporary file and renamed, so a crash
    /// never leaves half a tokenizer).
    /// </summary>
    /// <exception cref="ArgumentException">The loaded tokenizer lacks BOS/EOS/PAD.</exception>
    public static HfTokenizer TrainOrLoad(string dir, IEnumerable<string> texts, int vocabSize = 2200)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        ArgumentNullException.ThrowIfNull(texts);
        string path = Path.Combine(dir, FileName);
        HfTokenizer tokenizer;
        if (File.Exists(path))
        {
            tokenizer = HfTokenizer.Load(path);
        }
        else
        {
            tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions { VocabSize = vocabSize });
            Directory.CreateDirectory(dir);
            tokenizer.Save(path);
        }
        try
        {
            SpecialTokenIds.From(tokenizer); // fail here, naming the file, rather than at the first batch
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{path}: {e.Message}; delete it to retrain", nameof(dir), e);
        }
        return tokenizer;
    }
}
