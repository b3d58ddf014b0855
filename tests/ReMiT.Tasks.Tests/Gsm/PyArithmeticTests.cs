using ReMiT.Tasks.Gsm;

namespace ReMiT.Tasks.Tests.Gsm;

public sealed class PyArithmeticTests
{
    // Expected values are CPython 3.11's float(eval(expr)); null where it raises.
    [Theory]
    [InlineData("1 + 2 * 3", 7.0)]
    [InlineData("7 / 2", 3.5)]
    [InlineData("7 // 2", 3.0)]
    [InlineData("7 // -2", -4.0)]
    [InlineData("-7.5 // 2", -4.0)]
    [InlineData("2 ** 3 ** 2", 512.0)]
    [InlineData("-2 ** 2", -4.0)]
    [InlineData("2 ** -1", 0.5)]
    [InlineData("+-+3", -3.0)]
    [InlineData("3.", 3.0)]
    [InlineData(".5 * 4", 2.0)]
    [InlineData("00", 0.0)]
    [InlineData("(1\n+2)", 3.0)]
    [InlineData("1\f+2", 3.0)]
    [InlineData("100000000000000000001 - 100000000000000000000", 1.0)]
    [InlineData("4.0 + 2", 6.0)]
    public void Evaluate_ValidPython_ReturnsValue(string expr, double expected) =>
        Assert.Equal(expected, PyArithmetic.Evaluate(expr));

    [Theory]
    [InlineData("1 / 0")]
    [InlineData("0 // 0")]
    [InlineData("01")]
    [InlineData("1..2")]
    [InlineData("1 2")]
    [InlineData("()")]
    [InlineData("() * 3")]
    [InlineData("1\n+2")]
    [InlineData("1\v+2")]
    [InlineData("1\u00a0+2")]
    [InlineData("(-8) ** 0.5")]
    [InlineData("0 ** -1")]
    [InlineData("10.0 ** 400")]
    [InlineData("2 ** 5000")]
    [InlineData("(1)(2)")]
    [InlineData("")]
    public void Evaluate_PythonRaises_ReturnsNull(string expr) => Assert.Null(PyArithmetic.Evaluate(expr));

    [Fact]
    public void Evaluate_ParenthesesBeyond200_ReturnsNull()
    {
        Assert.Equal(1.0, PyArithmetic.Evaluate(new string('(', 200) + "1" + new string(')', 200)));
        Assert.Null(PyArithmetic.Evaluate(new string('(', 201) + "1" + new string(')', 201)));
    }

    [Theory]
    [InlineData(4.0, "4.0")]
    [InlineData(-3.0, "-3.0")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(123.456, "123.456")]
    public void FloatRepr_MatchesPythonRepr(double value, string expected) =>
        Assert.Equal(expected, PyText.FloatRepr(value));
}
