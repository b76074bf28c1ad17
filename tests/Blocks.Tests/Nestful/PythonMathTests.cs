using System.Numerics;
using System.Text.Json;

namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>
/// The C# ports of NESTFUL v2's math functions keep Python's semantics. Expected values are CPython 3's own
/// answers (the repr of each result), computed with the formulas <see cref="PythonMath"/> documents.
/// </summary>
public sealed class PythonMathTests
{
    [Theory]
    [InlineData("add", "[2, 3]", "5")]
    [InlineData("add", "[2, 0.5]", "2.5")]
    [InlineData("subtract", "[1, 0.1]", "0.9")]
    [InlineData("multiply", "[123456789012345678901234567890, 10]", "1234567890123456789012345678900")]
    [InlineData("divide", "[6, 3]", "2.0")]
    [InlineData("divide", "[7, 2]", "3.5")]
    [InlineData("divide", "[1000000000000000000000000000000, 7]", "1.4285714285714285e+29")]
    [InlineData("divide", "[18446744073709551617, 3]", "6.148914691236517e+18")]
    [InlineData("inverse", "[3]", "0.3333333333333333")]
    [InlineData("negate", "[5]", "-5")]
    [InlineData("negate_prob", "[0.1]", "0.9")]
    [InlineData("power", "[2, 100]", "1267650600228229401496703205376")]
    [InlineData("power", "[2, -2]", "0.25")]
    [InlineData("power", "[2.0, 3]", "8.0")]
    [InlineData("power", "[1.1, 2]", "1.2100000000000002")]
    [InlineData("sqrt", "[10]", "3")]
    [InlineData("sqrt", "[10000000000000000000000000000000000000001]", "100000000000000000000")]
    [InlineData("sqrt", "[9999999999999999999999999999999999999999]", "99999999999999999999")]
    [InlineData("floor", "[-2.5]", "-3")]
    [InlineData("floor", "[7]", "7")]
    [InlineData("log", "[1000, 10]", "2")]
    [InlineData("log", "[100]", "4")]
    [InlineData("remainder", "[-7, 3]", "2")]
    [InlineData("remainder", "[7, -3]", "-2")]
    [InlineData("reminder", "[-7.5, 2]", "0.5")]
    [InlineData("reminder", "[7.5, -2]", "-0.5")]
    [InlineData("remainder", "[-6.0, 3]", "0.0")]
    [InlineData("gcd", "[12.7, 18]", "6")]
    [InlineData("lcm", "[4, 6]", "12")]
    [InlineData("lcm", "[4.0, 6]", "12.0")]
    [InlineData("lcm", "[2.5, 4]", "5.0")]
    [InlineData("factorial", "[25]", "15511210043330985984000000")]
    [InlineData("permutation", "[5, 2]", "20")]
    [InlineData("choose", "[60, 30]", "118264581564861424")]
    [InlineData("choose", "[2, 5]", "0")]
    [InlineData("max_number", "[[1, 3.5, 2]]", "3.5")]
    [InlineData("min_number", "[[3, 1, 1.0]]", "1")]
    [InlineData("speed", "[100, 3]", "33.333333333333336")]
    [InlineData("circle_area", "[2]", "12.566370614359172")]
    [InlineData("circumface", "[1.5]", "9.42477796076938")]
    [InlineData("rectangle_area", "[3, 4]", "12")]
    [InlineData("rectangle_perimeter", "[3, 4.5]", "15.0")]
    [InlineData("diagonal", "[3, 4]", "5.0")]
    [InlineData("square_area", "[5]", "25")]
    [InlineData("square_perimeter", "[2.5]", "10.0")]
    [InlineData("square_edge_by_area", "[2]", "1.4142135623730951")]
    [InlineData("square_edge_by_perimeter", "[10]", "2.5")]
    [InlineData("triangle_area", "[3, 5]", "7.5")]
    [InlineData("rhombus_area", "[2.5, 4]", "5.0")]
    [InlineData("volume_cube", "[3]", "27")]
    [InlineData("surface_cube", "[2]", "24")]
    [InlineData("cube_edge_by_volume", "[27]", "3.0")]
    [InlineData("volume_sphere", "[3]", "113.09733552923254")]
    [InlineData("surface_sphere", "[2]", "50.26548245743669")]
    [InlineData("volume_cylinder", "[2, 5]", "62.83185307179586")]
    [InlineData("surface_cylinder", "[2, 5]", "87.96459430051421")]
    [InlineData("volume_cone", "[3, 4]", "37.69911184307752")]
    public void Functions_PythonArguments_GivePythonsResultAndType(string name, string arguments, string expected)
    {
        object? result = PythonMath.Functions[name](Arguments(arguments));

        Assert.Equal(expected, PythonValues.ToJson(result));
    }

    [Theory]
    [InlineData("divide", "[1, 0]", "ZeroDivisionError")]
    [InlineData("divide", "[1.5, 0.0]", "ZeroDivisionError")]
    [InlineData("remainder", "[5, 0]", "ZeroDivisionError")]
    [InlineData("power", "[0, -1]", "ZeroDivisionError")]
    [InlineData("sqrt", "[2.0]", "TypeError")]
    [InlineData("sqrt", "[-1]", "ValueError")]
    [InlineData("log", "[0]", "ValueError")]
    [InlineData("log", "[10, 1]", "ZeroDivisionError")]
    [InlineData("lcm", "[0, 0]", "ZeroDivisionError")]
    [InlineData("factorial", "[-1]", "ValueError")]
    [InlineData("factorial", "[5.0]", "TypeError")]
    [InlineData("permutation", "[2, 5]", "ValueError")]
    [InlineData("max_number", "[[]]", "ValueError")]
    [InlineData("max_number", "[3]", "TypeError")]
    [InlineData("square_edge_by_area", "[-4]", "ValueError")]
    [InlineData("cube_edge_by_volume", "[-8]", "ValueError")]
    [InlineData("add", "[1]", "TypeError")]
    [InlineData("add", "[\"1\", 2]", "TypeError")]
    public void Functions_ArgumentsPythonRejects_RaiseTheSameException(string name, string arguments, string pythonType)
    {
        PythonException raised = Assert.Throws<PythonException>(() => PythonMath.Functions[name](Arguments(arguments)));

        Assert.Equal(pythonType, raised.PythonType);
    }

    [Fact]
    public void Log_IntTooLargeForAFloat_TakesTheFrexpRoute()
    {
        // math.log(2**2000, 2) is 2000.0000000000002 in CPython, truncated to 2000.
        Assert.Equal(new BigInteger(2000), PythonMath.Log(BigInteger.Pow(2, 2000), (BigInteger)2));
    }

    [Fact]
    public void Compare_IntAndFloat_ExactlyAsPython()
    {
        BigInteger big = BigInteger.Pow(2, 53) + 1;
        Assert.Equal(1, PythonMath.Compare(big, Math.Pow(2, 53)));
        Assert.Equal(0, PythonMath.Compare((BigInteger)3, 3.0));
        Assert.Equal(-1, PythonMath.Compare((BigInteger)3, 3.5));
        Assert.Null(PythonMath.Compare((BigInteger)3, double.NaN));
    }

    [Theory]
    [InlineData(130.0, "130.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(1.5e-5, "1.5e-05")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.000123, "0.000123")]
    [InlineData(123456789012345.67, "123456789012345.67")]
    [InlineData(12345678901234567.0, "1.2345678901234568e+16")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(-0.0, "-0.0")]
    [InlineData(-2.5, "-2.5")]
    public void Repr_Float_WritesWhatPythonWrites(double value, string expected)
    {
        Assert.Equal(expected, PythonValues.Repr(value));
    }

    [Fact]
    public void FromJson_NumberText_FloatWhenItHasAPointOrExponent()
    {
        Assert.IsType<double>(PythonValues.FromJson(JsonElement.Parse("130.0")));
        Assert.IsType<double>(PythonValues.FromJson(JsonElement.Parse("1e3")));
        Assert.Equal(new BigInteger(130), PythonValues.FromJson(JsonElement.Parse("130")));
        Assert.Equal((1, 3), (PythonValues.Decimals(130.0), PythonValues.Decimals(0.125)));
    }

    private static List<object?> Arguments(string json) => (List<object?>)PythonValues.FromJson(JsonElement.Parse(json))!;
}
