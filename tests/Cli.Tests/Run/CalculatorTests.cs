using ToolFlow.Tools;

namespace ToolFlow.Cli.Tests.Run;

public sealed class CalculatorTests
{
    [Theory]
    [InlineData("2*(3+4)^2", 98)]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("2^3^2", 512)]
    [InlineData("-2^2", -4)]
    [InlineData("--3", 3)]
    [InlineData("10 % 4", 2)]
    [InlineData("7 / 2", 3.5)]
    [InlineData("1.5e3 + .5", 1500.5)]
    [InlineData("sqrt(16) + abs(-2)", 6)]
    [InlineData("max(1, 5, 3) - min(4, 2)", 3)]
    [InlineData("round(2.5) + round(3.14159, 2)", 6.14)]
    [InlineData("pow(2, 10)", 1024)]
    [InlineData("floor(pi) + ceil(e)", 6)]
    [InlineData("log10(1000) + log2(8) + ln(1)", 6)]
    public void Evaluate_Expression_ReturnsItsValue(string expression, double expected) =>
        Assert.Equal(expected, Calculator.Evaluate(expression), 9);

    [Theory]
    [InlineData("1/0", "division by zero")]
    [InlineData("2 +", "ends too early")]
    [InlineData("(1 + 2", "expected ')'")]
    [InlineData("1 + 2)", "unexpected ')'")]
    [InlineData("foo(1)", "unknown function 'foo'")]
    [InlineData("x + 1", "unknown name 'x'")]
    [InlineData("2e", "unexpected 'e'")]
    [InlineData("1..2", "is not a number")]
    public void Evaluate_InvalidExpression_ThrowsSayingWhatAndWhere(string expression, string problem)
    {
        FormatException e = Assert.Throws<FormatException>(() => Calculator.Evaluate(expression));

        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.Contains("at position", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_DeepNesting_IsRefusedNotAStackOverflow() =>
        Assert.Throws<FormatException>(() => Calculator.Evaluate(new string('(', 500) + "1" + new string(')', 500)));

    [Fact]
    public void Format_Value_IsInvariantAndRoundTrips()
    {
        Assert.Equal("0.1", Calculator.Format(0.1));
        Assert.Equal("98", Calculator.Format(98));
        Assert.Equal("-1.5E-10", Calculator.Format(-1.5e-10));
    }
}
