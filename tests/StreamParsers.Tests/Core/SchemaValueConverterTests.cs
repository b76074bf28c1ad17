using System.Text.Json;
using static ToolFlow.StreamParsers.SchemaValueConverter;

namespace ToolFlow.StreamParsers.Tests;

public sealed class SchemaValueConverterTests
{
    [Theory]
    [InlineData("1", "1")]
    [InlineData(" true ", "true")]
    [InlineData("[1, 2]", "[1, 2]")]
    [InlineData("{\"a\": null}", "{\"a\": null}")]
    [InlineData("\"quoted\"", "\"quoted\"")]
    [InlineData("Tokyo", "\"Tokyo\"")]
    [InlineData("2024-06-27", "\"2024-06-27\"")]
    [InlineData("  indented", "\"  indented\"")]
    [InlineData("12abc", "\"12abc\"")]
    public void TryAppendValue_NoSchema_JsonWhenItReadsAsJsonElseString(string value, string expected)
    {
        Assert.Equal(expected, Convert(value, schema: null));
    }

    [Theory]
    [InlineData("42", "\"42\"")]
    [InlineData("  spaced \n", "\"  spaced \\n\"")]
    [InlineData("\"foo\"", "\"\\\"foo\\\"\"")]
    [InlineData("null", "\"null\"")]
    public void TryAppendValue_StringSchema_TextExactlyAsWritten(string value, string expected)
    {
        Assert.Equal(expected, Convert(value, """{"type": "string"}"""));
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData(" -14\n", "-14")]
    [InlineData("+5", "5")]
    [InlineData("007", "7")]
    [InlineData("4.0", "4.0")]
    [InlineData("4.5", "\"4.5\"")]
    [InlineData("many", "\"many\"")]
    public void TryAppendValue_IntegerSchema_IntegerOrTheTextAsString(string value, string expected)
    {
        Assert.Equal(expected, Convert(value, """{"type": "integer"}"""));
    }

    [Theory]
    [InlineData("3.14", "3.14")]
    [InlineData("1.5e10", "1.5e10")]
    [InlineData(".5", "0.5")]
    [InlineData("NaN", "\"NaN\"")]
    public void TryAppendValue_NumberSchema_NumberOrTheTextAsString(string value, string expected)
    {
        Assert.Equal(expected, Convert(value, """{"type": "number"}"""));
    }

    [Theory]
    [InlineData("True", "true")]
    [InlineData("FALSE", "false")]
    [InlineData("yes", "\"yes\"")]
    public void TryAppendValue_BooleanSchema_AnyCaseOfTrueOrFalse(string value, string expected)
    {
        Assert.Equal(expected, Convert(value, """{"type": "boolean"}"""));
    }

    [Theory]
    [InlineData("""{"type": ["string", "null"]}""", "null", "null")]
    [InlineData("""{"type": ["string", "null"]}""", "hello world", "\"hello world\"")]
    [InlineData("""{"type": ["null", "integer"]}""", "5", "5")]
    [InlineData("""{"type": "integer", "nullable": true}""", "NULL", "null")]
    public void TryAppendValue_NullableSchema_NullOnlyForTheTextNull(string schema, string value, string expected)
    {
        Assert.Equal(expected, Convert(value, schema));
    }

    [Theory]
    [InlineData("""{"type": "array"}""", "[{\"a\": 1}]", "[{\"a\": 1}]")]
    [InlineData("""{"type": "array"}""", "{\"a\": 1}", "\"{\\\"a\\\": 1}\"")]
    [InlineData("""{"type": "object"}""", "{\"w\": 10, \n \"h\": 20}", "{\"w\": 10, \n \"h\": 20}")]
    [InlineData("""{"type": "object"}""", "{not json}", "\"{not json}\"")]
    [InlineData("""{"anyOf": [{"type": "array"}, {"type": "object"}]}""", "[1]", "[1]")]
    public void TryAppendValue_ObjectOrArraySchema_JsonOfThatKindElseString(string schema, string value, string expected)
    {
        Assert.Equal(expected, Convert(value, schema));
    }

    [Fact]
    public void TryAppendValue_ArrayEscapedOnceMore_ReadAsTheArray()
    {
        string json = Convert("""[{\"id\": \"1\", \"path\": \"C:\\\\Users\"}]""", """{"type": "array"}""");

        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement item = document.RootElement[0];
        Assert.Equal("1", item.GetProperty("id").GetString());
        Assert.Equal("C:\\Users", item.GetProperty("path").GetString());
    }

    [Fact]
    public void TryAppendValue_DeeperThanAllowed_RefusedAndNothingAppended()
    {
        var json = default(PooledCharBuffer);

        bool ok = TryAppendValue(ref json, "[[[1]]]", Parse("""{"type": "array"}"""), maxDepth: 2);

        Assert.False(ok);
        Assert.Equal(0, json.Length);
        json.Release();
    }

    [Theory]
    [InlineData("""{"type": "string"}""", (int)(SchemaTypes.String))]
    [InlineData("""{"type": ["integer", "null"]}""", (int)(SchemaTypes.Integer | SchemaTypes.Null))]
    [InlineData("""{"enum": ["celsius", "fahrenheit"]}""", (int)(SchemaTypes.String))]
    [InlineData("""{"oneOf": [{"type": "integer"}, {"type": "object"}]}""", (int)(SchemaTypes.Integer | SchemaTypes.Object))]
    [InlineData("""{"anyOf": [{"type": "integer"}, {}]}""", (int)(SchemaTypes.Any))]
    [InlineData("""{"properties": {"a": {}}}""", (int)(SchemaTypes.Object))]
    [InlineData("""{"description": "anything"}""", (int)(SchemaTypes.Any))]
    public void TypesOf_Schema_TheTypesItAllows(string schema, int expected)
    {
        Assert.Equal((SchemaTypes)expected, TypesOf(Parse(schema)));
    }

    [Fact]
    public void PropertySchema_InsideOneOfMember_Found()
    {
        JsonElement schema = Parse("""{"oneOf": [{"type": "integer"}, {"type": "object", "properties": {"max": {"type": "integer"}}}]}""");

        Assert.Equal(SchemaTypes.Integer, TypesOf(PropertySchema(schema, "max")));
        Assert.Null(PropertySchema(schema, "min"));
    }

    [Fact]
    public void AppendEscaped_ControlCharactersQuotesAndNonAscii_ValidJsonString()
    {
        string text = "a\"b\\c\n\r\t\b\f\u0001 杭州 🎉";
        var json = default(PooledCharBuffer);

        AppendString(ref json, text);

        string written = new(json.Span);
        json.Release();
        Assert.Contains("\\u0001", written, StringComparison.Ordinal);
        using JsonDocument document = JsonDocument.Parse(written);
        Assert.Equal(text, document.RootElement.GetString());
    }

    [Theory]
    [InlineData("{\"a\": [1, 2]}", JsonValueKind.Object)]
    [InlineData("-1.5e3", JsonValueKind.Number)]
    [InlineData("null", JsonValueKind.Null)]
    [InlineData("{\"a\": 1} x", null)]
    [InlineData("[1,", null)]
    [InlineData("", null)]
    public void ReadJson_Text_KindWhenExactlyOneJsonValue(string text, JsonValueKind? expected)
    {
        Assert.Equal(expected, ReadJson(text, 64, out _));
    }

    private static string Convert(string value, string? schema)
    {
        var json = default(PooledCharBuffer);
        Assert.True(TryAppendValue(ref json, value, schema is null ? null : Parse(schema), maxDepth: 64));
        string written = new(json.Span);
        json.Release();

        // Whatever the value, the result is one valid JSON value.
        using JsonDocument document = JsonDocument.Parse(written);
        return written;
    }

    private static JsonElement Parse(string json) => JsonElement.Parse(json);
}
