using System.Collections.Concurrent;

namespace ReMiT.Tokenization;

/// <summary>
/// The BPE model of a byte-level tokenizer: vocab, ranked merges and HF's merge order (lowest rank
/// first, leftmost first among equal ranks, one merge at a time from a priority queue, as in
/// HF's <c>Word::merge_all</c>).
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 10_000; // HF's default cache size

    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    /// <param name="vocab">Token → id.</param>
    /// <param name="merges">Merges in rank order; each merged token must be in the vocab.</param>
    /// <param name="ignoreMerges">HF's <c>ignore_merges</c>: a pre-token found whole in the vocab is one token.</param>
    /// <param name="unknownToken">Emitted for a char missing from the vocab; null drops such chars, as HF does.</param>
    public BpeModel(Dictionary<string, int> vocab, IReadOnlyList<(string Left, string Right)> merges, bool ignoreMerges, string? unknownToken)
    {
        Vocab = vocab;
        Merges = merges;
        IgnoreMerges = ignoreMerges;
        UnknownToken = unknownToken;
        int maxId = vocab.Count == 0 ? -1 : vocab.Values.Max();
        IdToToken = new string?[maxId + 1];
        foreach ((string token, int id) in vocab)
        {
            if (id < 0) throw new ArgumentException($"vocab token '{token}' has negative id {id}");
            IdToToken[id] = token;
        }
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            (string left, string right) = merges[rank];
            if (!vocab.TryGetValue(left, out int a) || !vocab.TryGetValue(right, out int b))
                throw new ArgumentException($"merge #{rank} '{left} {right}' uses a token that is not in the vocab");
            if (!vocab.TryGetValue(left + right, out int merged))
                throw new ArgumentException($"merge #{rank} '{left} {right}' produces '{left + right}', which is not in the vocab");
            _merges.TryAdd(PairKey(a, b), (rank, merged)); // HF keeps the first rank of a duplicated merge
        }
        if (unknownToken is not null && !vocab.ContainsKey(unknownToken))
            throw new ArgumentException($"unk_token '{unknownToken}' is not in the vocab");
    }

    public Dictionary<string, int> Vocab { get; }

    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    public bool IgnoreMerges { get; }

    public string? UnknownToken { get; }

    /// <summary>Id → token; null where the vocab has no such id.</summary>
    public string?[] IdToToken { get; }

    private static long PairKey(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>Appends the ids of one pre-token (already in byte-level chars).</summary>
    public void Tokenize(string word, List<int> output)
    {
        if (word.Length == 0) return;
        if (IgnoreMerges && Vocab.TryGetValue(word, out int whole))
        {
            output.Add(whole);
            return;
        }
        if (_cache.TryGetValue(word, out int[]? cached))
        {
            output.AddRange(cached);
            return;
        }
        int[] ids = MergeWord(word);
        if (_cache.Count < CacheCapacity) _cache.TryAdd(word, ids);
        output.AddRange(ids);
    }

    private int[] MergeWord(string word)
    {
        // Symbols as a doubly linked list over an array; a merged-away symbol gets id -1.
        int n = 0;
        var ids = new int[word.Length];
        int? unknownId = UnknownToken is null ? null : Vocab[UnknownToken];
        for (int i = 0; i < word.Length; i++)
        {
            // Byte-level chars are all BMP, but keep a surrogate pair together for other vocabs.
            int len = char.IsHighSurrogate(word[i]) && i + 1 < word.Length && char.IsLowSurrogate(word[i + 1]) ? 2 : 1;
            if (Vocab.TryGetValue(word.Substring(i, len), out int id))
                ids[n++] = id;
            else if (unknownId is int unk)
                ids[n++] = unk;
            i += len - 1;
        }
        if (n <= 1) return ids[..n];

        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        var queue = new PriorityQueue<(int Pos, int NewId), (int Rank, int Pos)>();
        for (int i = 0; i + 1 < n; i++) Enqueue(queue, ids, i, i + 1);

        while (queue.TryDequeue(out (int Pos, int NewId) top, out _))
        {
            int pos = top.Pos;
            if (ids[pos] < 0) continue;
            int right = next[pos];
            if (right < 0) continue;
            // A stale entry: the pair at pos changed since it was queued.
            if (!_merges.TryGetValue(PairKey(ids[pos], ids[right]), out var m) || m.NewId != top.NewId) continue;
            ids[pos] = m.NewId;
            ids[right] = -1;
            next[pos] = next[right];
            if (next[pos] >= 0) prev[next[pos]] = pos;
            if (prev[pos] >= 0) Enqueue(queue, ids, prev[pos], pos);
            if (next[pos] >= 0) Enqueue(queue, ids, pos, next[pos]);
        }

        var result = new List<int>(n);
        for (int i = 0; i >= 0; i = next[i]) result.Add(ids[i]);
        return result.ToArray();
    }

    private void Enqueue(PriorityQueue<(int, int), (int, int)> queue, int[] ids, int left, int right)
    {
        if (_merges.TryGetValue(PairKey(ids[left], ids[right]), out var m))
            queue.Enqueue((left, m.NewId), (m.Rank, left));
    }
}
