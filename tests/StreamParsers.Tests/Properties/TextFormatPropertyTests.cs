using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// Generated calls and text, written in each format, parse back to the same calls and text whatever the chunking:
/// whole, one character at a time (surrogate pairs split), and at random lengths.
/// </summary>
public sealed class TextFormatPropertyTests
{
    public static TheoryData<string> Formats { get; } = new(TextFormatRenderer.All.Select(r => r.Format));

    [Theory]
    [MemberData(nameof(Formats))]
    public void Append_GeneratedResponse_ParsesToTheTruthAtEveryChunking(string format)
    {
        TextFormatRenderer renderer = TextFormatRenderer.All.Single(r => r.Format == format);
        Gen<GeneratedResponse> responses = ToolCallGen.Response(
            renderer.XmlValues ? ToolCallGen.XmlCall : renderer.IsPlan ? ToolCallGen.PlanCall : ToolCallGen.Call,
            ToolCallGen.Text.Select(renderer.CleanText));

        PropertyRunner.ForAll(responses, response =>
        {
            string input = renderer.Render(response);
            ToolCallParserOptions options = renderer.Options?.Invoke(response) ?? ToolCallParserOptions.Default;
            foreach (IEnumerable<int> chunks in new[]
            {
                [input.Length],
                Enumerable.Repeat(1, input.Length),
                ToolCallGen.Chunking(input.Length, response.Seed),
            })
            {
                RecordingObserver observer = Parse(format, options, input, chunks);
                AssertTruth(Truth(response, renderer), renderer.ExpectedText(response), observer, input);
            }
        });
    }

    // The calls as the format gives them back (a plan's positional arguments as {"args": [...]}).
    private static GeneratedResponse Truth(GeneratedResponse response, TextFormatRenderer renderer) =>
        renderer.Arguments is null
            ? response
            : response with { Calls = [.. response.Calls.Select(c => c with { Arguments = renderer.Arguments(c.Arguments) })] };

    internal static RecordingObserver Parse(string format, ToolCallParserOptions options, string input, IEnumerable<int> chunks)
    {
        ToolCallTextParser parser = ToolCallFormatRegistry.Default.Create(format, options);
        var observer = new RecordingObserver();
        int at = 0;
        foreach (int length in chunks)
        {
            parser.Append(input.AsSpan(at, length), observer);
            at += length;
        }

        parser.Complete(observer);
        return observer;
    }

    internal static void AssertTruth(GeneratedResponse response, string expectedText, RecordingObserver observer, string input)
    {
        Assert.True(
            observer.Diagnostics.Count == 0 && observer.Aborted.Count == 0,
            $"Diagnostics or aborted calls for {input}:\n  {string.Join("\n  ", observer.Normalized())}");
        Assert.Equal(expectedText, observer.Text);
        Assert.Equal(response.Calls.Select(c => c.Name), observer.Calls.Select(c => c.Name));
        for (int i = 0; i < response.Calls.Count; i++)
        {
            ParsedToolCall call = observer.Calls[i];
            Assert.True(call.IsValid, call.Error);
            JsonNode? parsed = JsonNode.Parse(call.Arguments!.Value.GetRawText());
            Assert.True(
                JsonNode.DeepEquals(response.Calls[i].Arguments, parsed),
                $"Call {i}: expected {response.Calls[i].Arguments.ToJsonString()}, parsed {parsed?.ToJsonString()} from {input}");
            Assert.Equal(JsonValueKind.Object, call.Arguments.Value.ValueKind);
        }
    }
}
