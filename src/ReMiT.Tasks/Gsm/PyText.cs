using System.Globalization;
using System.Text;

namespace ReMiT.Tasks.Gsm;

/// <summary>
/// Python 3 <c>str</c> semantics the Interplay reward relies on (whitespace, word characters,
/// <c>lower()</c>, <c>float()</c> of a regex-matched number). .NET differs in small Unicode corners,
/// and the reward must agree with Python on every input.
/// </summary>
internal static class PyText
{
    /// <summary>Python's <c>\s</c> / <c>str.isspace()</c>: .NET's <c>\s</c> plus U+001C..U+001F.</summary>
    public const string SpaceClass = @"[\s\x1c-\x1f]";

    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || (c >= '\x1c' && c <= '\x1f');

    /// <summary><c>str.strip()</c> with no arguments.</summary>
    public static string Strip(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsSpace(s[start])) start++;
        while (end > start && IsSpace(s[end - 1])) end--;
        return s[start..end];
    }

    /// <summary><c>str.strip(chars)</c>.</summary>
    public static string Strip(string s, string chars)
    {
        int start = 0, end = s.Length;
        while (start < end && chars.Contains(s[start])) start++;
        while (end > start && chars.Contains(s[end - 1])) end--;
        return s[start..end];
    }

    /// <summary><c>" ".join(s.split())</c>: collapse whitespace runs, drop leading/trailing ones.</summary>
    public static string CollapseSpaces(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool pending = false;
        foreach (char c in s)
        {
            if (IsSpace(c)) { pending = sb.Length > 0; continue; }
            if (pending) { sb.Append(' '); pending = false; }
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Python's <c>\w</c> for str patterns (<c>isalnum()</c> or '_'): letters and numbers, but not
    /// combining marks or other connector punctuation, unlike .NET's <c>\w</c>.
    /// </summary>
    public static bool IsWordRune(Rune r)
    {
        if (r.Value == '_') return true;
        switch (Rune.GetUnicodeCategory(r))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return true;
            default:
                return false;
        }
    }

    /// <summary>Is the code point ending just before <paramref name="index"/> a Python word character?</summary>
    public static bool IsWordBefore(string s, int index)
    {
        if (index <= 0) return false;
        return Rune.DecodeLastFromUtf16(s.AsSpan(0, index), out var r, out _) == System.Buffers.OperationStatus.Done
            && IsWordRune(r);
    }

    /// <summary>Is the code point starting at <paramref name="index"/> a Python word character?</summary>
    public static bool IsWordAt(string s, int index)
    {
        if (index >= s.Length) return false;
        return Rune.DecodeFromUtf16(s.AsSpan(index), out var r, out _) == System.Buffers.OperationStatus.Done
            && IsWordRune(r);
    }

    /// <summary>
    /// Python's <c>s.lower()</c> as far as positions go: U+0130 lowers to two code points, so indices
    /// found in the lowered text drift from the original (a quirk the reward keeps).
    /// </summary>
    public static string LowerForSearch(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c == '\u0130') sb.Append("i\u0307");
            else sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>
    /// <c>float(text)</c> for text matched by <c>[-+]?\d+(\.\d+)?</c>; Python accepts any Unicode
    /// decimal digit there, so digits are mapped to ASCII first.
    /// </summary>
    public static double ParseMatchedNumber(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is >= '0' and <= '9' or '+' or '-' or '.') sb.Append(c);
            else if (char.IsDigit(c)) sb.Append((char)('0' + (int)char.GetNumericValue(c)));
            else throw new ArgumentException($"'{text}' is not a number matched by the number pattern", nameof(text));
        }
        return double.Parse(sb.ToString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Python's <c>repr(float)</c>: shortest round-trip digits, fixed notation for 1e-4 &lt;= |x| &lt; 1e16,
    /// scientific otherwise, and "inf"/"nan". Only fixed notation can survive the evaluator's
    /// character filter, but the rest is written faithfully anyway.
    /// </summary>
    public static string FloatRepr(double x)
    {
        if (double.IsNaN(x)) return "nan";
        if (double.IsPositiveInfinity(x)) return "inf";
        if (double.IsNegativeInfinity(x)) return "-inf";
        if (x == 0) return double.IsNegative(x) ? "-0.0" : "0.0";

        // "E16" is not shortest; "R" is, but its layout varies: normalise it to digits + exponent.
        string r = Math.Abs(x).ToString("R", CultureInfo.InvariantCulture);
        int exp = 0;
        int ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exp = int.Parse(r[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..ePos];
        }
        int dot = r.IndexOf('.');
        string intPart = dot >= 0 ? r[..dot] : r;
        string fracPart = dot >= 0 ? r[(dot + 1)..] : "";
        string digits = (intPart + fracPart).TrimStart('0');
        int leadingZerosRemoved = (intPart + fracPart).Length - digits.Length;
        // Decimal point position relative to the start of `digits`.
        int decpt = intPart.Length - leadingZerosRemoved + exp;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        string sign = x < 0 ? "-" : "";
        if (decpt > -4 && decpt <= 16)
        {
            if (decpt <= 0) return sign + "0." + new string('0', -decpt) + digits;
            if (decpt >= digits.Length) return sign + digits + new string('0', decpt - digits.Length) + ".0";
            return sign + digits[..decpt] + "." + digits[decpt..];
        }
        string mant = digits.Length == 1 ? digits : digits[..1] + "." + digits[1..];
        int e = decpt - 1;
        return sign + mant + "e" + (e < 0 ? "-" : "+") + Math.Abs(e).ToString("00", CultureInfo.InvariantCulture);
    }
}
