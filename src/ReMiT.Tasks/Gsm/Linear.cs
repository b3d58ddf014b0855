using System.Globalization;

namespace ReMiT.Tasks.Gsm;

/// <summary>
/// A·x + B, the value of a quantity in a reverse-mode trace where the leaf x is unknown. Printed the
/// way the GSM-Infinite traces print SymPy expressions: "x + 3", "2*x - 4", "5*x", "3 - x", "7".
/// </summary>
internal readonly record struct Linear(long A, long B)
{
    public static Linear Const(long b) => new(0, b);

    public static Linear X { get; } = new(1, 0);

    public bool IsSymbolic => A != 0;

    public static Linear operator +(Linear p, Linear q) => new(p.A + q.A, p.B + q.B);

    public static Linear operator -(Linear p, Linear q) => new(p.A - q.A, p.B - q.B);

    public static Linear operator *(long c, Linear p) => new(c * p.A, c * p.B);

    public override string ToString()
    {
        string b = Math.Abs(B).ToString(CultureInfo.InvariantCulture);
        if (A == 0) return B.ToString(CultureInfo.InvariantCulture);
        string term = Math.Abs(A) == 1 ? "x" : $"{Math.Abs(A).ToString(CultureInfo.InvariantCulture)}*x";
        if (A > 0) return B == 0 ? term : B > 0 ? $"{term} + {b}" : $"{term} - {b}";
        return B == 0 ? $"-{term}" : B > 0 ? $"{b} - {term}" : $"-{term} - {b}";
    }
}
