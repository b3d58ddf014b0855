using System.Text;

namespace ReMiT.Tokenization.Tests;

/// <summary>Random strings mixing ASCII, whitespace runs, digits, CJK, emoji, astral letters and combining marks.</summary>
internal static class RandomText
{
    private static readonly string[] Pieces =
    [
        " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00A0", "\u3000", "\u2028", "\u0085", "0", "42", "3.14", "½",
        "混合", "語", "한국어", "😀", "👩‍💻", "🇫🇷", "𝐀𝐁", "𠀀", "e\u0301", "o\u0308\u0301", "\u0301", "ß", "Ж",
        "I'm", "'s", "DON'T", "<", ">", "</", "|", "hello", " world", "x", "_", "...", "->",
    ];

    /// <summary><paramref name="count"/> NFC-normalized strings (so a round trip through an NFC tokenizer is exact).</summary>
    public static IEnumerable<string> Strings(int count, int seed, IReadOnlyList<string>? extraPieces = null)
    {
        var rng = new Random(seed);
        string[] pieces = [.. Pieces, .. extraPieces ?? []];
        for (int i = 0; i < count; i++)
        {
            var sb = new StringBuilder();
            int n = rng.Next(1, 16);
            for (int j = 0; j < n; j++)
            {
                if (rng.NextDouble() < 0.25)
                {
                    int cp = rng.Next(5) switch
                    {
                        0 => rng.Next(0x20, 0x7F),
                        1 => rng.Next(0xA0, 0x600),
                        2 => rng.Next(0x4E00, 0x9FFF),
                        3 => rng.Next(0x1F300, 0x1F6FF),
                        _ => rng.Next(0x10000, 0x2FFFF),
                    };
                    if (cp is >= 0xD800 and <= 0xDFFF) cp = 'a';
                    sb.Append(char.ConvertFromUtf32(cp));
                }
                else
                    sb.Append(pieces[rng.Next(pieces.Length)]);
            }
            yield return Normalization.Nfc.Normalize(sb.ToString());
        }
    }
}
