using System.Text;
using System.Text.Json;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>The framing every provider parser shares: SSE, newline-delimited JSON and streamed JSON arrays.</summary>
public sealed class StreamBodyParserTests
{
    private static readonly Func<ToolCallTextParser> s_create = () => new EventLog(null);

    [Fact]
    public void Append_SseWithCrLfCommentsAndEventLines_ReadsEachEventAtItsBlankLine()
    {
        string body = ": keep-alive\r\nevent: first\r\nid: 7\r\ndata: {\"a\":1}\r\n\r\nretry: 10\ndata:{\"b\":\ndata: 2}\n\n";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        int first = body.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 3;
        Assert.Equal(
            [$"first {{\"a\":1}} @{first}", $"- {{\"b\":\n2}} @{body.Length}"],
            Lines(observer));
    }

    [Fact]
    public void Append_CrOnlyLineEnds_ReadsEvents()
    {
        string body = "data: {\"a\":1}\r\rdata: {\"b\":2}\r\r";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\"a\":1} @15", $"- {{\"b\":2}} @{body.Length}"], Lines(observer));
    }

    [Fact]
    public void Append_NewlineDelimitedJson_CompletesEachPayloadAtItsClosingBrace()
    {
        string body = "{\"a\":\"}{\"}\n{\"b\":[1,{\"c\":2}]}  \n\n{\"d\":3}";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\"a\":\"}{\"} @10", "- {\"b\":[1,{\"c\":2}]} @28", $"- {{\"d\":3}} @{body.Length}"], Lines(observer));
    }

    [Fact]
    public void Append_PrettyPrintedJson_ReadsOnePayloadAcrossLines()
    {
        string body = "{\r\n  \"a\": [\n    1\n  ],\n\"b\": \"x\"\n}\n";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\n  \"a\": [\n    1\n  ],\n\"b\": \"x\"\n} @" + (body.Length - 1)], Lines(observer));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_PayloadCutShortByItsLineEnd_IsReportedAndTheNextLineRead()
    {
        string body = "{\"a\":{\"b\":1}\n{\"c\":2}\n";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\"c\":2} @" + (body.Length - 1)], Lines(observer));
        Assert.Equal([new ParserDiagnostic(ProviderStreamDiagnosticCodes.EventInvalidJson, observer.Diagnostics[0].Message, 13)], observer.Diagnostics);
    }

    [Fact]
    public void Append_StreamedJsonArray_CompletesEachElementAtItsClosingBrace()
    {
        string body = "[{\"a\":\n 1}\r\n,\r\n{\"b\":\"]\"}\n]\n";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\"a\":\n 1} @10", "- {\"b\":\"]\"} @24"], Lines(observer));
        Assert.Empty(observer.Diagnostics);
    }

    [Fact]
    public void Append_LastEventWithoutBlankLine_IsReadAtComplete()
    {
        string body = "data: {\"a\":1}\n\ndata: {\"b\":2}";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\"a\":1} @15", $"- {{\"b\":2}} @{body.Length}"], Lines(observer));
        Assert.Equal(1, observer.Events.Single(e => e.Text!.Contains("\"b\"", StringComparison.Ordinal)).Chunk);
    }

    [Fact]
    public void Append_DoneSentinel_IsReadAsTheEnd()
    {
        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, "data: {\"a\":1}\n\ndata: [DONE]\n\n");

        Assert.Equal(["- {\"a\":1} @15", "[DONE] @29"], Lines(observer));
    }

    [Fact]
    public void Append_EventThatIsNotJson_IsReportedAndSkipped()
    {
        string body = "data: {\"a\":\n\ndata: hello\n\ndata: {\"b\":2}\n\n";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\"b\":2} @41"], Lines(observer));
        Assert.Equal([ProviderStreamDiagnosticCodes.EventInvalidJson, ProviderStreamDiagnosticCodes.EventInvalidJson], observer.DiagnosticCodes);
    }

    [Fact]
    public void Append_TextAfterPayloadOnItsLine_IsReportedOnce()
    {
        string body = "{\"a\":1} trailing text\n{\"b\":2}\n";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\"a\":1} @7", "- {\"b\":2} @29"], Lines(observer));
        Assert.Equal(ProviderStreamDiagnosticCodes.UnexpectedText, Assert.Single(observer.Diagnostics).Code);
        Assert.Equal(8, observer.Diagnostics[0].Offset);
    }

    [Fact]
    public void Append_LinesThatAreNotSseOrJson_AreReportedOnceAndSkipped()
    {
        string body = "hello world\nda\nid: 3\nretry: 9\ndata: {\"a\":1}\n\nmore text\n";

        RecordingObserver observer = TextParserHarness.AssertSplitInvariant(s_create, body);

        Assert.Equal(["- {\"a\":1} @45"], Lines(observer));
        Assert.Equal([new ParserDiagnostic(ProviderStreamDiagnosticCodes.UnexpectedText, "Text outside any event is ignored (only its first occurrence is reported).", 0)], observer.Diagnostics);
    }

    [Fact]
    public void Append_EventLongerThanTheLimit_IsSkippedAndTheNextIsRead()
    {
        var options = new ToolCallParserOptions { MaxArgumentsLength = 2 };
        string huge = new('x', (4 * 2) + (1 << 20) + 1);
        string body = "data: {\"big\":\"" + huge + "\"}\n\ndata: {\"b\":2}\n\n";

        RecordingObserver observer = TextParserHarness.Run(() => new EventLog(options), body[..100], body[100..]);

        Assert.Equal([$"- {{\"b\":2}} @{body.Length}"], Lines(observer));
        Assert.Equal([ProviderStreamDiagnosticCodes.EventTooLong], observer.DiagnosticCodes);
    }

    [Fact]
    public void AppendEvent_FramedElsewhere_ReadsTheSameEvents()
    {
        var parser = new EventLog(null);
        var observer = new RecordingObserver();

        parser.AppendEvent("first", "{\"a\":\"é\"}"u8, observer);
        parser.AppendEvent(null, " [DONE] "u8, observer);
        parser.Complete(observer);

        Assert.Equal(["first {\"a\":\"é\"} @10", "[DONE] @19"], Lines(observer));
        Assert.Equal(19, parser.Position);
    }

    [Fact]
    public void Append_AfterComplete_Throws()
    {
        var parser = new EventLog(null);
        var observer = new RecordingObserver();
        parser.Complete(observer);

        Assert.Throws<InvalidOperationException>(() => parser.Append("data: {}\n\n", observer));
        Assert.Throws<InvalidOperationException>(() => parser.AppendEvent(null, "{}"u8, observer));
    }

    [Fact]
    public void Append_ManyEventsOneCharacterAtATime_ReadsEveryEvent()
    {
        var body = new StringBuilder();
        for (int i = 0; i < 2000; i++)
        {
            body.Append("data: {\"n\":").Append(i).Append(",\"pad\":\"").Append('x', 40).Append("\"}\n\n");
        }

        string text = body.ToString();
        RecordingObserver observer = TextParserHarness.Run(s_create, text.Select(c => c.ToString()).ToArray());

        Assert.Equal(2000, observer.Events.Count(e => e.Kind == ParserEventKind.Text));
        Assert.Empty(observer.Diagnostics);
    }

    private static List<string> Lines(RecordingObserver observer) =>
        observer.Events.Where(e => e.Kind == ParserEventKind.Text).Select(e => e.Text!).ToList();

    /// <summary>Reports each event as text: "type json @offset".</summary>
    private sealed class EventLog(ToolCallParserOptions? options) : StreamBodyParser(options)
    {
        public override string Format => "event-log";

        protected override void OnEvent(string? eventType, JsonElement data, IToolCallParserObserver observer) =>
            observer.OnText($"{eventType ?? "-"} {data.GetRawText()} @{EventOffset}");

        protected override void OnDone(IToolCallParserObserver observer) => observer.OnText($"[DONE] @{EventOffset}");

        protected override void OnEnd(IToolCallParserObserver observer)
        {
        }
    }
}
