namespace ToolFlow.StreamParsers.Tests;

public sealed class XmlMarkerSetTests
{
    private static readonly XmlMarkerSet s_markers = new("]<]m[>[</invoke>", "]<]m[>[<", "<tool_call>");

    [Theory]
    [InlineData("<tool_call>rest", 2, 11)]
    [InlineData("]<]m[>[<city>", 1, 8)]
    [InlineData("]<]m[>[</invoke>\n", 0, 16)]
    public void Match_FullMarker_LongestMarkerAndItsLength(string text, int expectedId, int expectedLength)
    {
        int id = s_markers.Match(text, isFinal: false, out int length);

        Assert.Equal(expectedId, id);
        Assert.Equal(expectedLength, length);
    }

    [Theory]
    [InlineData("<tool_ca")]
    [InlineData("]<]m")]
    [InlineData("]<]m[>[</inv")]
    [InlineData("]<]m[>[<")]
    public void Match_TextEndsInsidePossibleMarker_Partial(string text)
    {
        Assert.Equal(XmlMarkerSet.Partial, s_markers.Match(text, isFinal: false, out _));
    }

    [Fact]
    public void Match_ShorterMarkerFullAndLongerCutOffAtEnd_ShorterWhenFinal()
    {
        Assert.Equal(1, s_markers.Match("]<]m[>[</inv", isFinal: true, out int length));
        Assert.Equal(8, length);
        Assert.Equal(XmlMarkerSet.NoMatch, s_markers.Match("<tool_ca", isFinal: true, out _));
    }

    [Theory]
    [InlineData("<tool_x")]
    [InlineData("]<x")]
    [InlineData("< tool_call>")]
    public void Match_NoMarker_NoMatch(string text)
    {
        Assert.Equal(XmlMarkerSet.NoMatch, s_markers.Match(text, isFinal: false, out _));
    }

    [Fact]
    public void IndexOfCandidate_FirstCharacterOfAnyMarker_ItsIndex()
    {
        Assert.Equal(3, s_markers.IndexOfCandidate("abc]<"));
        Assert.Equal(2, s_markers.IndexOfCandidate("ab<c"));
        Assert.Equal(-1, s_markers.IndexOfCandidate("plain text"));
        Assert.Equal(-1, XmlMarkerSet.None.IndexOfCandidate("<tool_call>"));
    }
}
