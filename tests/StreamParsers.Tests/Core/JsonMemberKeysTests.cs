namespace ToolFlow.StreamParsers.Tests;

public sealed class JsonMemberKeysTests
{
    [Theory]
    [InlineData("name", "Name")]
    [InlineData("arguments", "Arguments")]
    [InlineData("parameters", "Arguments")]
    [InlineData("id", "Other")]
    [InlineData("tool_name", "Other")]
    [InlineData(@"n\u0061me", "Name")]
    [InlineData("Name", "Other")]
    public void Classify_EnvelopeKey_NameAndArgumentsOnly(string rawKey, string expected) =>
        Assert.Equal(expected, JsonMemberKeys.Classify(rawKey).ToString());

    [Theory]
    [InlineData("tool_name", "Name")]
    [InlineData("id", "Id")]
    [InlineData("tool_call_id", "Id")]
    [InlineData(@"\u0069d", "Id")]
    [InlineData("arguments", "Arguments")]
    public void Classify_WithIds_IdsAndToolNameCount(string rawKey, string expected) =>
        Assert.Equal(expected, JsonMemberKeys.Classify(rawKey, withIds: true).ToString());

    // Found by fuzzing: a key that still held a backslash once decoded was decoded again, without end (stack overflow).
    [Theory]
    [InlineData(@"\\")]
    [InlineData(@"\\\\\\\\")]
    [InlineData(@"na\ud83d")]
    [InlineData(@"na83d\ude00")]
    [InlineData(@"\\u006eame")]
    public void Classify_KeyWithBackslashOnceDecoded_Other(string rawKey)
    {
        Assert.Equal(JsonMember.Other, JsonMemberKeys.Classify(rawKey));
        Assert.Equal(JsonMember.Other, JsonMemberKeys.Classify(rawKey, withIds: true));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData(@"a\""b\\c\n", "a\"b\\c\n")]
    [InlineData(@"\u676d\u5dde", "杭州")]
    public void DecodeString_RawText_Decoded(string raw, string expected) =>
        Assert.Equal(expected, JsonMemberKeys.DecodeString(raw));
}
