using System.Collections.Concurrent;
using ReMiT.Tokenization.Normalization;
using ReMiT.Tokenization.PreTokenization;

namespace ReMiT.Tokenization.Training;

/// <summary>
/// Trains a byte-level BPE tokenizer the way HF's <c>BpeTrainer</c> does: count pre-tokens, then
/// repeatedly merge the most frequent adjacent pair, updating pair counts only in the words that
/// contain the merged pair (a word index per pair) and picking the next pair from a max-heap with
/// lazily refreshed counts. Ties go to the pair with the smaller (left id, right id), so training
/// is deterministic.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains on <paramref name="texts"/>; special tokens in the texts are split off and not learned.</summary>
    public static HfTokenizer Train(IEnumerable<string> texts, BpeTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(texts);
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("Invalid BPE trainer options: " + string.Join("; ", problems), nameof(options));

        var specials = options.SpecialTokens.Select((t, i) => new AddedToken(i, t, Special: true)).ToList();
        Dictionary<string, long> wordCounts = CountWords(texts, specials, options);

        // Vocab: special tokens, then the 256 byte chars in byte order, then one token per merge.
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var idToToken = new List<string>();
        foreach (AddedToken s in specials) Add(s.Content);
        foreach (char c in ByteLevel.ByteToChar) Add(c.ToString());

        // Words as symbol-id arrays, in a fixed order so that training does not depend on hashing.
        var words = wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (Symbols: kv.Key.Select(c => vocab[c.ToString()]).ToList(), Count: kv.Value)).ToArray();
        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, HashSet<int>>();
        for (int w = 0; w < words.Length; w++) AddPairs(words[w].Symbols, words[w].Count, w, pairCounts, pairWords, changed: null);

        var heap = new PriorityQueue<long, (long NegCount, long Pair)>();
        foreach ((long pair, long count) in pairCounts) heap.Enqueue(pair, (-count, pair));

        var merges = new List<(string, string)>();
        var changed = new HashSet<long>();
        while (idToToken.Count < options.VocabSize && heap.TryDequeue(out long best, out var priority))
        {
            long count = pairCounts.GetValueOrDefault(best);
            if (count != -priority.NegCount)
            {
                if (count > 0) heap.Enqueue(best, (-count, best)); // stale entry: requeue with today's count
                continue;
            }
            if (count < options.MinFrequency) break;

            int left = (int)(best >> 32), right = (int)(uint)best;
            string merged = idToToken[left] + idToToken[right];
            int newId = vocab.TryGetValue(merged, out int existing) ? existing : Add(merged);
            merges.Add((idToToken[left], idToToken[right]));

            changed.Clear();
            foreach (int w in pairWords[best].ToArray())
            {
                List<int> symbols = words[w].Symbols;
                if (!ContainsPair(symbols, left, right)) continue; // stale index entry
                RemovePairs(symbols, words[w].Count, pairCounts, changed);
                MergeInPlace(symbols, left, right, newId);
                AddPairs(symbols, words[w].Count, w, pairCounts, pairWords, changed);
            }
            pairWords.Remove(best);
            foreach (long pair in changed)
                if (pairCounts.TryGetValue(pair, out long c) && c > 0) heap.Enqueue(pair, (-c, pair));
        }

        var model = new BpeModel(vocab, merges, ignoreMerges: false, unknownToken: null);
        return new HfTokenizer(model, specials, options.Nfc, [options.SplitPattern], postProcessorJson: null);

        int Add(string token)
        {
            vocab[token] = idToToken.Count;
            idToToken.Add(token);
            return idToToken.Count - 1;
        }
    }

    /// <summary>Pre-token counts over the corpus, in parallel: split off specials, NFC, split, to byte-level chars.</summary>
    private static Dictionary<string, long> CountWords(IEnumerable<string> texts, List<AddedToken> specials, BpeTrainerOptions options)
    {
        var added = new AddedVocabulary(specials);
        var split = new OnigurumaPattern(options.SplitPattern);
        var partials = new ConcurrentBag<Dictionary<string, long>>();
        Parallel.ForEach(
            texts,
            () => new Dictionary<string, long>(StringComparer.Ordinal),
            (text, _, local) =>
            {
                var pieces = new List<string>();
                foreach ((int start, int length, AddedToken? token) in added.Split(text, normalizedTokens: false))
                {
                    if (token is not null) continue;
                    string plain = text.Substring(start, length);
                    if (options.Nfc) plain = Nfc.Normalize(plain);
                    pieces.Clear();
                    HfTokenizer.SplitIsolated(split, plain, pieces);
                    foreach (string piece in pieces)
                    {
                        string word = ByteLevel.Encode(piece);
                        local[word] = local.GetValueOrDefault(word) + 1;
                    }
                }
                return local;
            },
            local => partials.Add(local));
        var total = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Dictionary<string, long> part in partials)
            foreach ((string word, long count) in part)
                total[word] = total.GetValueOrDefault(word) + count;
        return total;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    private static bool ContainsPair(List<int> symbols, int left, int right)
    {
        for (int i = 0; i + 1 < symbols.Count; i++)
            if (symbols[i] == left && symbols[i + 1] == right) return true;
        return false;
    }

    private static void MergeInPlace(List<int> symbols, int left, int right, int newId)
    {
        int write = 0;
        for (int read = 0; read < symbols.Count; read++)
        {
            if (read + 1 < symbols.Count && symbols[read] == left && symbols[read + 1] == right)
            {
                symbols[write++] = newId;
                read++;
            }
            else
                symbols[write++] = symbols[read];
        }
        symbols.RemoveRange(write, symbols.Count - write);
    }

    private static void RemovePairs(List<int> symbols, long count, Dictionary<long, long> pairCounts, HashSet<long> changed)
    {
        for (int i = 0; i + 1 < symbols.Count; i++)
        {
            long pair = Key(symbols[i], symbols[i + 1]);
            pairCounts[pair] -= count;
            changed.Add(pair);
        }
    }

    private static void AddPairs(List<int> symbols, long count, int word, Dictionary<long, long> pairCounts, Dictionary<long, HashSet<int>> pairWords, HashSet<long>? changed)
    {
        for (int i = 0; i + 1 < symbols.Count; i++)
        {
            long pair = Key(symbols[i], symbols[i + 1]);
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
            if (!pairWords.TryGetValue(pair, out HashSet<int>? set)) pairWords[pair] = set = [];
            set.Add(word);
            changed?.Add(pair);
        }
    }
}
