using System.Text;
using CsCheck;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>
/// Generated text and calls, streamed as each provider streams them, parse back to the same text and calls: the body
/// appended as characters whole, one at a time and at random lengths, and read as bytes from a stream that gives
/// them a few at a time (UTF-8 sequences split between reads).
/// </summary>
public sealed class ProviderBodyPropertyTests
{
    public static TheoryData<string> Formats { get; } = new(BodyRenderer.All.Select(r => r.Format));

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Append_GeneratedBody_ParsesToTheTruthAtEveryChunking(string format)
    {
        BodyRenderer renderer = BodyRenderer.All.Single(r => r.Format == format);
        Gen<GeneratedResponse> responses = ToolCallGen.Response(ToolCallGen.Call, ToolCallGen.Text);
        var samples = new List<GeneratedResponse>();
        PropertyRunner.ForAll(responses, response =>
        {
            string body = renderer.Render(response);
            foreach (IEnumerable<int> chunks in new[]
            {
                [body.Length],
                Enumerable.Repeat(1, body.Length),
                ToolCallGen.Chunking(body.Length, response.Seed),
            })
            {
                RecordingObserver observer = TextFormatPropertyTests.Parse(format, ToolCallParserOptions.Default, body, chunks);
                TextFormatPropertyTests.AssertTruth(response, response.Text, observer, body);
            }

            samples.Add(response);
        });

        // The same bodies as bytes, through the reader a client uses on an HTTP response.
        foreach (GeneratedResponse response in samples)
        {
            string body = renderer.Render(response);
            var random = new Random(response.Seed);
            int[] lengths = [.. Enumerable.Range(0, 16).Select(_ => random.Next(1, 8))];
            using var stream = new TrickleStream(Encoding.UTF8.GetBytes(body), lengths);
            var observer = new RecordingObserver();
            await ProviderStreamReader.ReadAsync(stream, ToolCallFormatRegistry.Default.Create(format), observer);
            TextFormatPropertyTests.AssertTruth(response, response.Text, observer, body);
        }
    }
}
