namespace ToolFlow.StreamParsers.Tests;

public sealed class PythonLiteralReaderTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("-007", "-7")]
    [InlineData("+1_000", "1000")]
    [InlineData("1.", "1.0")]
    [InlineData(".5e-3", "0.5e-3")]
    [InlineData("1E+5", "1.0E+5")]
    [InlineData("0x1f", "31")]
    [InlineData("0o17", "15")]
    [InlineData("-0b101", "-5")]
    [InlineData("True", "true")]
    [InlineData("None", "null")]
    [InlineData("'a\"b'", "\"a\\\"b\"")]
    [InlineData("\"\"", "\"\"")]
    [InlineData("''''''", "\"\"")]
    [InlineData("'\\x00\\u20ac\\U0001F600\\ud83d\\7'", "\"\\u0000€😀\\ud83d\\u0007\"")]
    [InlineData("[1, (2,), {'a': [], 3: None, None: 1.5},]", "[1,[2],{\"a\":[],\"3\":null,\"null\":1.5}]")]
    public void Read_Literal_WritesEquivalentJson(string python, string json)
    {
        Assert.Equal(json, ReadWhole(python));
        Assert.Equal(json, ReadByCharacter(python));
    }

    [Theory]
    [InlineData("foo", "name")]
    [InlineData("f(1)", "nested calls")]
    [InlineData("[1 + 2]", "Expected ',' or ']'")]
    [InlineData("(1 2)", "Expected ',' or ')'")]
    [InlineData("{1, 2}", "Expected ':'")]
    [InlineData("{[1]: 2}", "dict key")]
    [InlineData("'\\N{DASH}'", "Named escapes")]
    [InlineData("'\\x4'", "hexadecimal")]
    [InlineData("0x", "not a number")]
    [InlineData("1e", "not a number")]
    [InlineData("true", "name")]
    public void Read_NotALiteral_ErrorSaysWhy(string python, string reason)
    {
        var reader = new PythonLiteralReader(8, jsonConstants: false);
        var output = default(PooledCharBuffer);

        int consumed = reader.Read(python, ref output, out PythonLiteralStatus status);
        bool finished = status == PythonLiteralStatus.NeedMore && reader.TryFinish(ref output);

        Assert.False(finished);
        Assert.True(status == PythonLiteralStatus.Error || reader.ErrorMessage is not null || consumed == python.Length);
        Assert.Contains(reason, reader.ErrorMessage ?? "(no error)", StringComparison.Ordinal);
        output.Release();
    }

    [Fact]
    public void Read_DeeperThanLimit_TooDeepWithOpenerUnconsumed()
    {
        var reader = new PythonLiteralReader(2, jsonConstants: false);
        var output = default(PooledCharBuffer);

        int consumed = reader.Read("[[[1]]]", ref output, out PythonLiteralStatus status);

        Assert.Equal(PythonLiteralStatus.Error, status);
        Assert.True(reader.IsTooDeep);
        Assert.Equal(2, consumed);
        Assert.Equal(2, reader.Depth);
        output.Release();
    }

    [Fact]
    public void Read_NumberThenDelimiter_CompletesWithoutConsumingTheDelimiter()
    {
        var reader = new PythonLiteralReader(8, jsonConstants: false);
        var output = default(PooledCharBuffer);

        int consumed = reader.Read("12)", ref output, out PythonLiteralStatus status);

        Assert.Equal(PythonLiteralStatus.Completed, status);
        Assert.Equal(2, consumed);
        Assert.Equal("12", output.Span.ToString());
        output.Release();
    }

    private static string ReadWhole(string python)
    {
        var reader = new PythonLiteralReader(8, jsonConstants: false);
        var output = default(PooledCharBuffer);
        reader.Read(python, ref output, out PythonLiteralStatus status);
        Assert.True(status == PythonLiteralStatus.Completed || reader.TryFinish(ref output), reader.ErrorMessage);
        string json = output.Span.ToString();
        output.Release();
        return json;
    }

    private static string ReadByCharacter(string python)
    {
        var reader = new PythonLiteralReader(8, jsonConstants: false);
        var output = default(PooledCharBuffer);
        PythonLiteralStatus status = PythonLiteralStatus.NeedMore;
        for (int i = 0; i < python.Length && status == PythonLiteralStatus.NeedMore; i++)
        {
            reader.Read(python.AsSpan(i, 1), ref output, out status);
        }

        Assert.True(status == PythonLiteralStatus.Completed || reader.TryFinish(ref output), reader.ErrorMessage);
        string json = output.Span.ToString();
        output.Release();
        return json;
    }
}
