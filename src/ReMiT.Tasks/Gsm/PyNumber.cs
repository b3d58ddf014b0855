using System.Globalization;
using System.Numerics;

namespace ReMiT.Tasks.Gsm;

/// <summary>
/// A Python number as <c>eval</c> sees it: an exact arbitrary-precision <c>int</c> or a <c>float</c>.
/// Integer literals stay exact until mixed with a float, which is what makes
/// <c>10**20 - (10**20 - 1)</c> equal 1 in Python. Operations return null where Python raises.
/// </summary>
internal readonly struct PyNumber
{
    // Powers whose result would exceed this many bits are treated as failures; CPython would grind
    // through them and then fail converting to float in nearly every case.
    private const long MaxIntBits = 1 << 20;
    private static readonly BigInteger TwoPow53 = BigInteger.One << 53;

    private readonly BigInteger _int;
    private readonly double _float;

    private PyNumber(BigInteger i) { _int = i; _float = 0; IsInt = true; }
    private PyNumber(double f) { _int = default; _float = f; IsInt = false; }

    public bool IsInt { get; }

    public static PyNumber Int(BigInteger i) => new(i);
    public static PyNumber Float(double f) => new(f);

    /// <summary><c>float(x)</c>; null on OverflowError.</summary>
    public double? ToDouble() => IsInt ? IntToDouble(_int) : _float;

    public static PyNumber? Negate(PyNumber a) => a.IsInt ? Int(-a._int) : Float(-a._float);

    public static PyNumber? Add(PyNumber a, PyNumber b) =>
        a.IsInt && b.IsInt ? Int(a._int + b._int) : FloatOp(a, b, (x, y) => x + y);

    public static PyNumber? Subtract(PyNumber a, PyNumber b) =>
        a.IsInt && b.IsInt ? Int(a._int - b._int) : FloatOp(a, b, (x, y) => x - y);

    public static PyNumber? Multiply(PyNumber a, PyNumber b) =>
        a.IsInt && b.IsInt ? Int(a._int * b._int) : FloatOp(a, b, (x, y) => x * y);

    /// <summary>True division; int/int is correctly rounded as in CPython.</summary>
    public static PyNumber? Divide(PyNumber a, PyNumber b)
    {
        if (a.IsInt && b.IsInt)
        {
            if (b._int.IsZero) return null;
            var q = IntTrueDivide(a._int, b._int);
            return q is null ? null : Float(q.Value);
        }
        if (a.ToDouble() is not double x || b.ToDouble() is not double y) return null;
        if (y == 0) return null;
        return Float(x / y);
    }

    /// <summary><c>a // b</c>.</summary>
    public static PyNumber? FloorDivide(PyNumber a, PyNumber b)
    {
        if (a.IsInt && b.IsInt)
        {
            if (b._int.IsZero) return null;
            var q = BigInteger.DivRem(a._int, b._int, out var r);
            if (!r.IsZero && (r.Sign < 0) != (b._int.Sign < 0)) q -= 1;
            return Int(q);
        }
        if (a.ToDouble() is not double vx || b.ToDouble() is not double wx) return null;
        if (wx == 0) return null;
        // CPython float_floor_div (via _float_div_mod).
        double mod = vx % wx; // C# % on doubles is C fmod
        double div = (vx - mod) / wx;
        if (mod != 0)
        {
            if ((wx < 0) != (mod < 0)) div -= 1.0;
        }
        double floordiv;
        if (div != 0)
        {
            floordiv = Math.Floor(div);
            if (div - floordiv > 0.5) floordiv += 1.0;
        }
        else
        {
            floordiv = Math.CopySign(0.0, vx / wx);
        }
        return Float(floordiv);
    }

    /// <summary><c>a ** b</c>.</summary>
    public static PyNumber? Power(PyNumber a, PyNumber b)
    {
        if (a.IsInt && b.IsInt)
        {
            if (b._int.Sign >= 0)
            {
                if (a._int.IsZero || a._int.IsOne || a._int == BigInteger.MinusOne)
                    return Int(BigInteger.Pow(a._int, b._int.IsZero ? 0 : (b._int.IsEven ? 2 : 1)));
                long bits = (long)a._int.GetBitLength();
                if (b._int > MaxIntBits || bits * (long)b._int > MaxIntBits) return null;
                return Int(BigInteger.Pow(a._int, (int)b._int));
            }
            // int ** negative int is computed in floats.
        }
        if (a.ToDouble() is not double iv || b.ToDouble() is not double iw) return null;
        return FloatPow(iv, iw);
    }

    // CPython float_pow, minus the branches that need inf/nan inputs we cannot produce differently.
    private static PyNumber? FloatPow(double iv, double iw)
    {
        if (iw == 0) return Float(1.0);
        if (double.IsNaN(iv)) return Float(iv);
        if (double.IsNaN(iw)) return Float(iv == 1.0 ? 1.0 : iw);
        if (double.IsInfinity(iw) || double.IsInfinity(iv)) return Float(Math.Pow(iv, iw));
        if (iv == 0)
        {
            if (iw < 0) return null; // ZeroDivisionError
            return Float(Math.Pow(iv, iw));
        }
        if (iv < 0 && Math.Floor(iw) != iw) return null; // complex result; float() of it fails
        if (iv == 1.0) return Float(1.0);
        double r = Math.Pow(iv, iw);
        if (double.IsInfinity(r)) return null; // OverflowError
        return Float(r);
    }

    private static PyNumber? FloatOp(PyNumber a, PyNumber b, Func<double, double, double> op)
    {
        if (a.ToDouble() is not double x || b.ToDouble() is not double y) return null;
        return Float(op(x, y));
    }

    private static double? IntToDouble(BigInteger i)
    {
        if (BigInteger.Abs(i) <= TwoPow53) return (double)i;
        // Parsing is correctly rounded (round-half-even) like CPython's int.__float__.
        double d = double.Parse(i.ToString(CultureInfo.InvariantCulture), NumberStyles.AllowLeadingSign,
            CultureInfo.InvariantCulture);
        return double.IsInfinity(d) ? null : d;
    }

    private static double? IntTrueDivide(BigInteger a, BigInteger b)
    {
        if (BigInteger.Abs(a) <= TwoPow53 && BigInteger.Abs(b) <= TwoPow53) return (double)a / (double)b;
        bool negative = (a.Sign < 0) != (b.Sign < 0);
        a = BigInteger.Abs(a);
        b = BigInteger.Abs(b);
        if (a.IsZero) return negative ? -0.0 : 0.0;
        // Scale so the integer quotient has at least 55 significant bits, keep a sticky bit for the
        // remainder, and let the correctly rounded decimal parse do the final rounding.
        long shift = Math.Max(0, 55 + (long)b.GetBitLength() - (long)a.GetBitLength());
        var q = BigInteger.DivRem(a << (int)shift, b, out var rem);
        q <<= 1;
        if (!rem.IsZero) q += 1;
        shift += 1;
        double m = double.Parse(q.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        double result = Math.ScaleB(m, -(int)shift);
        if (double.IsInfinity(result)) return null;
        return negative ? -result : result;
    }
}
