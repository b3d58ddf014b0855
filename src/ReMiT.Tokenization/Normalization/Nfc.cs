using System.Text;

namespace ReMiT.Tokenization.Normalization;

/// <summary>
/// Unicode NFC (canonical decomposition, canonical ordering, canonical composition), as HF's
/// <c>NFC</c> normalizer applies it. Our own because the solution runs with
/// <c>InvariantGlobalization=true</c>, where <see cref="string.Normalize()"/> returns its input
/// unchanged on Linux. Data: <c>nfc_table.txt</c> (Unicode 14, see make_nfc_table.py).
/// </summary>
internal static class Nfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Dictionary<int, int[]> Decompositions = new();
    private static readonly Dictionary<int, byte> CombiningClasses = new();
    private static readonly Dictionary<long, int> Compositions = new();

    /// <summary>Every char below this is NFC-stable: no decomposition change, no combining, no composing with a neighbour.</summary>
    private static readonly int FastPathLimit;

    static Nfc()
    {
        using Stream stream = typeof(Nfc).Assembly.GetManifestResourceStream("ReMiT.Tokenization.nfc_table.txt")
            ?? throw new InvalidOperationException("Embedded resource nfc_table.txt is missing from ReMiT.Tokenization.");
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var secondOfPair = new HashSet<int>();
        int limit = 0x110000;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            string[] parts = line.Split(' ');
            int cp = Convert.ToInt32(parts[1], 16);
            if (parts[0] == "c")
            {
                CombiningClasses[cp] = byte.Parse(parts[2]);
                limit = Math.Min(limit, cp);
                continue;
            }
            int[] decomposition = parts.Skip(2).Select(p => Convert.ToInt32(p, 16)).ToArray();
            Decompositions[cp] = decomposition;
            if (parts[0] == "d")
            {
                Compositions[Key(decomposition[0], decomposition[1])] = cp;
                secondOfPair.Add(decomposition[1]);
            }
            else
                limit = Math.Min(limit, cp);
        }
        foreach (int second in secondOfPair) limit = Math.Min(limit, second);
        FastPathLimit = Math.Min(limit, LBase);
    }

    /// <summary>The NFC form of <paramref name="text"/>; lone surrogates pass through unchanged.</summary>
    public static string Normalize(string text)
    {
        int i = 0;
        while (i < text.Length && text[i] < FastPathLimit) i++;
        if (i == text.Length) return text;

        var cps = new List<int>(text.Length + 8);
        for (int j = 0; j < text.Length; j++)
        {
            int cp = text[j];
            if (char.IsHighSurrogate(text[j]) && j + 1 < text.Length && char.IsLowSurrogate(text[j + 1]))
                cp = char.ConvertToUtf32(text[j], text[++j]);
            Decompose(cp, cps);
        }
        Reorder(cps);
        Compose(cps);
        var sb = new StringBuilder(cps.Count);
        foreach (int cp in cps)
        {
            if (cp >= 0x10000 || cp < 0xD800 || cp > 0xDFFF) sb.Append(char.ConvertFromUtf32(cp));
            else sb.Append((char)cp); // a lone surrogate, kept as it was
        }
        return sb.ToString();
    }

    private static long Key(int a, int b) => ((long)a << 21) | (uint)b;

    private static byte Ccc(int cp) => CombiningClasses.TryGetValue(cp, out byte c) ? c : (byte)0;

    private static void Decompose(int cp, List<int> output)
    {
        int s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
            return;
        }
        if (Decompositions.TryGetValue(cp, out int[]? parts))
            foreach (int part in parts) Decompose(part, output);
        else
            output.Add(cp);
    }

    /// <summary>Canonical ordering: a stable sort of every run of non-starters by combining class.</summary>
    private static void Reorder(List<int> cps)
    {
        for (int i = 1; i < cps.Count; i++)
        {
            byte c = Ccc(cps[i]);
            if (c == 0) continue;
            int j = i;
            while (j > 0 && Ccc(cps[j - 1]) > c)
            {
                (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
                j--;
            }
        }
    }

    private static void Compose(List<int> cps)
    {
        if (cps.Count == 0) return;
        int starterPos = 0;
        int lastClass = Ccc(cps[0]) == 0 ? 0 : 256; // a leading non-starter has no starter to join
        int write = 1;
        for (int read = 1; read < cps.Count; read++)
        {
            int cp = cps[read];
            int cc = Ccc(cp);
            int starter = cps[starterPos];
            bool blocked = lastClass != 0 && lastClass >= cc;
            if (!blocked && TryCompose(starter, cp, out int composed))
            {
                cps[starterPos] = composed;
                continue;
            }
            if (cc == 0)
            {
                starterPos = write;
                lastClass = 0;
            }
            else
                lastClass = cc;
            cps[write++] = cp;
        }
        cps.RemoveRange(write, cps.Count - write);
    }

    private static bool TryCompose(int a, int b, out int composed)
    {
        int l = a - LBase, v = b - VBase;
        if (l is >= 0 and < LCount && v is >= 0 and < VCount)
        {
            composed = SBase + (l * VCount + v) * TCount;
            return true;
        }
        int s = a - SBase, t = b - TBase;
        if (s is >= 0 and < SCount && s % TCount == 0 && t is > 0 and < TCount)
        {
            composed = a + t;
            return true;
        }
        return Compositions.TryGetValue(Key(a, b), out composed);
    }
}
