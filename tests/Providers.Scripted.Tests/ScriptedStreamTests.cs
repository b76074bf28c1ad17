using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Providers.Scripted.Tests;

public sealed class ScriptedStreamTests
{
    private static ScriptedModelOptions Options(ScriptedToolCallShape shape, int maxTokenLength = 4) => new()
    {
        TimeToFirstToken = TimeSpan.FromMilliseconds(200),
        TokensPerSecond = 100,
        MaxTokenLength = maxTokenLength,
        CallShape = shape,
    };

    internal static string TextOf(ScriptedToken token) => token.Content switch
    {
        TextContent text => text.Text,
        ToolCallUpdateContent delta => delta.ArgumentsDelta ?? string.Empty,
        _ => throw new InvalidOperationException($"Unexpected content {token.Content.GetType().Name}."),
    };

    [Fact]
    public void Render_TextOnly_TokensAreTheTextCutIntoPiecesTenMillisecondsApart()
    {
        ScriptedResponse response = new ScriptedResponse().Text("Hello, wonderful world!");

        ScriptedStream stream = ScriptedStream.Render(response, Options(ScriptedToolCallShape.OpenAIDeltas), "c");

        Assert.Equal(["Hell", "o", ",", " wond", "erfu", "l", " worl", "d", "!"], stream.Tokens.Select(TextOf));
        Assert.Equal([200, 210, 220, 230, 240, 250, 260, 270, 280], stream.Tokens.Select(t => t.Offset.TotalMilliseconds));
        Assert.Equal(TimeSpan.FromMilliseconds(280), stream.DecodeDuration);
        Assert.Empty(stream.CallClosedOffsets);
        Assert.Empty(stream.CallNames);
        Assert.All(stream.Tokens, t => Assert.Null(t.ClosesCall));
    }

    [Fact]
    public void Render_OpenAIDeltas_CallIdsUseThePrefixAndNumberFromZero()
    {
        ScriptedResponse response = new ScriptedResponse().Call("a", "{}").Text("x").Call("b", """{"k": 1}""");

        ScriptedStream stream = ScriptedStream.Render(response, Options(ScriptedToolCallShape.OpenAIDeltas), "turn7_");

        ToolCallUpdateContent[] starts = [.. stream.Tokens.Select(t => t.Content).OfType<ToolCallUpdateContent>().Where(d => d.CallId is not null)];
        Assert.Equal([("turn7_0", "a", 0), ("turn7_1", "b", 1)], starts.Select(s => (s.CallId!, s.Name!, s.Index!.Value)));
        Assert.Equal(["a", "b"], stream.CallNames);

        // "{" and "}" close the first call on its second fragment; "}" closes the second.
        Assert.Equal(
            ["", "{", "}", "x", "", "{", "\"", "k", "\"", ":", " 1", "}"],
            stream.Tokens.Select(TextOf));
        Assert.Equal([stream.Tokens[2].Offset, stream.Tokens[11].Offset], stream.CallClosedOffsets);
    }

    [Fact]
    public void Render_HermesText_CallClosesOnTheArgumentsBraceNotTheObjectBrace()
    {
        ScriptedResponse response = new ScriptedResponse().Call("f", """{"a": {}}""");

        ScriptedStream stream = ScriptedStream.Render(response, Options(ScriptedToolCallShape.HermesText), "c");

        string[] texts = [.. stream.Tokens.Select(TextOf)];
        Assert.Equal("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": {}}}\n</tool_call>", string.Concat(texts));

        // The arguments end with the second of the three closing braces.
        int[] braces = [.. texts.Select((t, i) => (t, i)).Where(x => x.t == "}").Select(x => x.i)];
        Assert.Equal(3, braces.Length);
        int closing = Assert.Single(stream.Tokens.Select((t, i) => (t, i)), x => x.t.ClosesCall == 0).i;
        Assert.Equal(braces[1], closing);
        Assert.Equal(stream.Tokens[closing].Offset, Assert.Single(stream.CallClosedOffsets));
    }

    [Fact]
    public void Render_SurrogatePairs_StayWholeInOneToken()
    {
        ScriptedResponse response = new ScriptedResponse().Text("a\U0001F600\U0001F389b");

        ScriptedStream stream = ScriptedStream.Render(response, Options(ScriptedToolCallShape.OpenAIDeltas, maxTokenLength: 1), "c");

        Assert.Equal(["a", "\U0001F600", "\U0001F389", "b"], stream.Tokens.Select(TextOf));
    }

    [Fact]
    public void Render_EmptyResponse_OneEmptyTokenAtTheFirstTokenTime()
    {
        ScriptedModelOptions options = Options(ScriptedToolCallShape.OpenAIDeltas);
        ScriptedStream stream = ScriptedStream.Render(new ScriptedResponse(), options, "c");

        // One empty update, so the stream still reports its finish reason.
        ScriptedToken token = Assert.Single(stream.Tokens);
        Assert.Equal(string.Empty, Assert.IsType<TextContent>(token.Content).Text);
        Assert.Equal(options.TimeToFirstToken, stream.DecodeDuration);
    }

    [Theory]
    [InlineData(ScriptedToolCallShape.OpenAIDeltas)]
    [InlineData(ScriptedToolCallShape.HermesText)]
    public void Render_SameResponseTwice_SameStream(ScriptedToolCallShape shape)
    {
        ScriptedResponse response = new ScriptedResponse().Text("Two calls: ").Call("x", """{"q": [1, 2, 3]}""").Call("y", "{}").Text(" end");

        ScriptedStream first = ScriptedStream.Render(response, Options(shape), "c");
        ScriptedStream second = ScriptedStream.Render(response, Options(shape), "c");

        Assert.Equal(first.Tokens.Select(t => (t.Offset, TextOf(t), t.ClosesCall)), second.Tokens.Select(t => (t.Offset, TextOf(t), t.ClosesCall)));
        Assert.Equal(first.CallClosedOffsets, second.CallClosedOffsets);
    }
}
