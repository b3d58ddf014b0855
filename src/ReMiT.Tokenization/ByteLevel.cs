namespace ReMiT.Tokenization;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>: every byte gets a printable char, so a BPE over chars is a BPE
/// over bytes. Printable Latin-1 bytes map to themselves; the other 68 map to U+0100 onwards in order.
/// </summary>
internal static class ByteLevel
{
    /// <summary>Byte value → its char.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>Char → byte value, or -1 where the char stands for no byte.</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    /// <summary>The byte-level chars of the UTF-8 encoding of <paramref name="text"/>.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        int byteCount = System.Text.Encoding.UTF8.GetByteCount(text);
        Span<byte> bytes = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        return string.Create(byteCount, bytes.ToArray(), static (chars, b) =>
        {
            for (int i = 0; i < b.Length; i++) chars[i] = ByteToChar[b[i]];
        });
    }

    /// <summary>
    /// Appends the bytes a token stands for, as HF's ByteLevel decoder does: if any char of the
    /// token is not a byte-level char (e.g. an added token with a space), its raw UTF-8 is used.
    /// </summary>
    public static void AppendBytes(string token, List<byte> output)
    {
        foreach (char c in token)
        {
            if (c >= CharToByte.Length || CharToByte[c] < 0)
            {
                output.AddRange(System.Text.Encoding.UTF8.GetBytes(token));
                return;
            }
        }
        foreach (char c in token) output.Add((byte)CharToByte[c]);
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + next++);
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var map = new short[324];
        Array.Fill(map, (short)-1);
        for (int b = 0; b < 256; b++) map[ByteToChar[b]] = (short)b;
        return map;
    }
}
