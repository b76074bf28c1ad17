using ToolFlow.StreamParsers;

namespace ToolFlow.Cli.Tests.Parse;

/// <summary>
/// What <c>toolflow parse</c> relies on for flat memory: a parser given text without calls passes it on as it reads
/// it, holding back at most a fixed amount, never the whole stretch.
/// </summary>
public sealed class ParserTextLagTests
{
    /// <summary>
    /// The most characters a parser may hold back from text it has been given: the XML family holds up to 8 Ki at the
    /// start of a response while it is unknown whether they are reasoning, then a marker's look-ahead.
    /// </summary>
    private const int MaxHeldBack = 8192 + 256;

    public static TheoryData<string> TextFormats()
    {
        var formats = new TheoryData<string>();
        foreach (string name in ToolCallFormatRegistry.Default.Names)
        {
            if (!IsStreamBody(name))
            {
                formats.Add(name);
            }
        }

        return formats;
    }

    [Theory]
    [MemberData(nameof(TextFormats))]
    public void Append_TextWithoutCalls_IsPassedOnAsItIsRead(string format)
    {
        Assert.True(ToolCallFormatRegistry.Default.TryGetFactory(format, out Func<ToolCallParserOptions, ToolCallTextParser>? factory));
        ToolCallTextParser parser = factory(new ToolCallParserOptions());
        var counter = new TextCounter();
        var input = new GeneratedText(1024 * 1024);
        char[] chunk = new char[4096];
        using var reader = new StreamReader(input.Open());
        int worst = 0;
        int read;
        while ((read = reader.Read(chunk, 0, chunk.Length)) > 0)
        {
            parser.Append(chunk.AsSpan(0, read), counter);
            worst = Math.Max(worst, (int)(parser.Position - counter.Characters));
        }

        parser.Complete(counter);
        Assert.Equal(input.CharLength, counter.Characters);
        Assert.True(worst <= MaxHeldBack, $"{format} held back {worst} characters");
    }

    private static bool IsStreamBody(string name) =>
        name is "openai-chat" or "mistral-chat" or "openai-responses" or "anthropic" or "gemini" or "ollama" or "cohere";

    private sealed class TextCounter : IToolCallParserObserver
    {
        public long Characters { get; private set; }

        public void OnText(ReadOnlySpan<char> text) => Characters += text.Length;

        public void OnReasoning(ReadOnlySpan<char> text) => Characters += text.Length;

        public void OnCallStarted(int index, string? id, string name)
        {
        }

        public void OnArgumentsDelta(int index, ReadOnlySpan<char> fragment)
        {
        }

        public void OnCallCompleted(ParsedToolCall call)
        {
        }

        public void OnCallAborted(int index, string reason)
        {
        }

        public void OnDiagnostic(ParserDiagnostic diagnostic)
        {
        }
    }
}
