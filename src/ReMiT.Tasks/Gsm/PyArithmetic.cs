using System.Globalization;
using System.Numerics;

namespace ReMiT.Tasks.Gsm;

/// <summary>
/// <c>float(eval(expr))</c> for the text the Interplay reward lets through its
/// <c>^[0-9+\-*/().\s]+$</c> filter, with CPython 3.11's semantics: exact ints, true division,
/// <c>//</c> floor division, right-associative <c>**</c>, unary signs, and failure (null) wherever
/// CPython raises (syntax errors, division by zero, overflow, complex results, empty tuples).
/// </summary>
internal static class PyArithmetic
{
    // CPython's tokenizer rejects more than 200 nested parentheses.
    private const int MaxParenDepth = 200;

    // CPython's compiler gives up (RecursionError) on operator trees about 2990 deep; the exact
    // figure depends on the caller's stack depth, so this is an approximation.
    private const int MaxTreeDepth = 2990;

    private enum Tok { Num, Plus, Minus, Star, Slash, DoubleSlash, DoubleStar, LParen, RParen, End }

    public static double? Evaluate(string expr)
    {
        var tokens = Tokenize(expr);
        if (tokens is null) return null;
        var parser = new Parser(tokens);
        var result = parser.ParseAll();
        return result?.ToDouble();
    }

    private readonly record struct Token(Tok Kind, PyNumber Value = default);

    private static List<Token>? Tokenize(string s)
    {
        var list = new List<Token>();
        int depth = 0, i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            if (c is ' ' or '\t' or '\f') { i++; continue; }
            if (c is '\n' or '\r')
            {
                // Inside parentheses a newline is implicit line joining; outside it ends the
                // expression, and the text is stripped, so something always follows: a syntax error.
                if (depth == 0) return null;
                i++;
                continue;
            }
            if (c is >= '0' and <= '9' || (c == '.' && i + 1 < s.Length && s[i + 1] is >= '0' and <= '9'))
            {
                var num = ReadNumber(s, ref i);
                if (num is null) return null;
                list.Add(new Token(Tok.Num, num.Value));
                continue;
            }
            switch (c)
            {
                case '+': list.Add(new Token(Tok.Plus)); i++; break;
                case '-': list.Add(new Token(Tok.Minus)); i++; break;
                case '*':
                    if (i + 1 < s.Length && s[i + 1] == '*') { list.Add(new Token(Tok.DoubleStar)); i += 2; }
                    else { list.Add(new Token(Tok.Star)); i++; }
                    break;
                case '/':
                    if (i + 1 < s.Length && s[i + 1] == '/') { list.Add(new Token(Tok.DoubleSlash)); i += 2; }
                    else { list.Add(new Token(Tok.Slash)); i++; }
                    break;
                case '(':
                    if (++depth > MaxParenDepth) return null;
                    list.Add(new Token(Tok.LParen)); i++;
                    break;
                case ')':
                    if (--depth < 0) return null;
                    list.Add(new Token(Tok.RParen)); i++;
                    break;
                default:
                    // A lone '.', vertical tab, U+001C..U+001F, no-break spaces...: CPython rejects them.
                    return null;
            }
        }
        list.Add(new Token(Tok.End));
        return list;
    }

    private static PyNumber? ReadNumber(string s, ref int i)
    {
        int start = i;
        while (i < s.Length && s[i] is >= '0' and <= '9') i++;
        bool isFloat = false;
        if (i < s.Length && s[i] == '.')
        {
            isFloat = true;
            i++;
            while (i < s.Length && s[i] is >= '0' and <= '9') i++;
        }
        string text = s[start..i];
        if (isFloat)
        {
            string parseable = text.StartsWith('.') ? "0" + text : text.EndsWith('.') ? text + "0" : text;
            return PyNumber.Float(double.Parse(parseable, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
        }
        // "0123" is a syntax error (leading zeros); "000" is fine.
        if (text.Length > 1 && text[0] == '0' && text.AsSpan().TrimStart('0').Length > 0) return null;
        return PyNumber.Int(BigInteger.Parse(text, CultureInfo.InvariantCulture));
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _pos;
        private bool _failed;

        private Tok Peek => tokens[_pos].Kind;

        public PyNumber? ParseAll()
        {
            var (value, _) = ParseSum();
            if (_failed || Peek != Tok.End) return null;
            return value;
        }

        // sum := term (('+'|'-') term)*
        private (PyNumber? Value, int Depth) ParseSum()
        {
            var (acc, depth) = ParseTerm();
            while (!_failed && Peek is Tok.Plus or Tok.Minus)
            {
                var op = tokens[_pos++].Kind;
                var (rhs, rd) = ParseTerm();
                depth = Math.Max(depth, rd) + 1;
                acc = Combine(acc, rhs, depth, op == Tok.Plus ? PyNumber.Add : PyNumber.Subtract);
            }
            return (acc, depth);
        }

        // term := factor (('*'|'/'|'//') factor)*
        private (PyNumber? Value, int Depth) ParseTerm()
        {
            var (acc, depth) = ParseFactor();
            while (!_failed && Peek is Tok.Star or Tok.Slash or Tok.DoubleSlash)
            {
                var op = tokens[_pos++].Kind;
                var (rhs, rd) = ParseFactor();
                depth = Math.Max(depth, rd) + 1;
                Func<PyNumber, PyNumber, PyNumber?> f = op switch
                {
                    Tok.Star => PyNumber.Multiply,
                    Tok.Slash => PyNumber.Divide,
                    _ => PyNumber.FloorDivide,
                };
                acc = Combine(acc, rhs, depth, f);
            }
            return (acc, depth);
        }

        // factor := ('+'|'-')* power ; power := primary ('**' factor)?
        // Parsed iteratively so long sign or power chains cannot overflow the .NET stack.
        private (PyNumber? Value, int Depth) ParseFactor()
        {
            var operands = new List<(List<Tok> Signs, PyNumber? Value, int Depth)>();
            while (true)
            {
                var signs = new List<Tok>();
                while (Peek is Tok.Plus or Tok.Minus) signs.Add(tokens[_pos++].Kind);
                var (value, depth) = ParsePrimary();
                if (_failed) return (null, 0);
                operands.Add((signs, value, depth));
                if (Peek != Tok.DoubleStar) break;
                _pos++;
            }

            // a ** (s b ** (s c)) : fold from the right, applying each operand's signs after its power.
            var (_, accValue, accDepth) = operands[^1];
            for (int k = operands.Count - 1; k >= 0; k--)
            {
                if (k < operands.Count - 1)
                {
                    accDepth = Math.Max(accDepth, operands[k].Depth) + 1;
                    accValue = Combine(operands[k].Value, accValue, accDepth, PyNumber.Power);
                }
                var signs = operands[k].Signs;
                for (int j = signs.Count - 1; j >= 0; j--)
                {
                    accDepth++;
                    if (accDepth >= MaxTreeDepth) { _failed = true; return (null, 0); }
                    if (signs[j] == Tok.Minus && accValue is PyNumber v) accValue = PyNumber.Negate(v);
                }
                if (_failed) return (null, 0);
            }
            return (accValue, accDepth);
        }

        // primary := NUMBER | '(' sum ')' ; '()' is an empty tuple, which no arithmetic accepts.
        private (PyNumber? Value, int Depth) ParsePrimary()
        {
            var t = tokens[_pos];
            if (t.Kind == Tok.Num)
            {
                _pos++;
                return (t.Value, 0);
            }
            if (t.Kind == Tok.LParen)
            {
                _pos++;
                if (Peek == Tok.RParen) { _failed = true; return (null, 0); }
                var inner = ParseSum();
                if (_failed || Peek != Tok.RParen) { _failed = true; return (null, 0); }
                _pos++;
                // A call such as "(1)(2)" parses in Python but fails at run time.
                if (Peek == Tok.LParen) { _failed = true; return (null, 0); }
                return inner;
            }
            _failed = true;
            return (null, 0);
        }

        private PyNumber? Combine(PyNumber? a, PyNumber? b, int depth, Func<PyNumber, PyNumber, PyNumber?> op)
        {
            if (depth >= MaxTreeDepth) _failed = true;
            if (_failed || a is not PyNumber x || b is not PyNumber y) return null;
            return op(x, y);
        }
    }
}
