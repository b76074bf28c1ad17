using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// Bad Responses streams read through <c>Microsoft.Extensions.AI.OpenAI</c> with <see cref="OpenAIDeltaReader"/>:
/// arguments that never close, a call to a tool that does not exist, an event that is not JSON. Each ends with a
/// clear diagnostic, and every call in the conversation has a result.
/// </summary>
public sealed class OpenAIDeltaReaderBadInputTests
{
    [Fact]
    public Task RunAsync_ResponsesArgumentsNeverClose_CallIsAbandonedWithAReasonAndTheModelHearsOfIt() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var events = new ResponsesEvents();
        server.Enqueue(new SseHttpResponse()
            .Raw(events.Created())
            .Raw(events.Call(0, "call_a", "lookup", "{\"q\": \"a\"}"))
            .Raw(events.CallAdded(1, "call_b", "lookup"))
            .Raw(events.ArgumentsDelta(1, "call_b", "{\"q\": \"unfini"))
            .Raw(events.Completed()));
        SseHttpResponse second = server.Enqueue(new SseHttpResponse().Raw(new ResponsesEvents("resp_2").Answer("Done.")));
        var lookup = new LookupTool();

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, lookup, ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1 }, lookup.Runs.ToDictionary());
        DiagnosticReported aborted = Assert.Single(run.Events.OfType<DiagnosticReported>(), d => d.Code == "call-aborted");
        Assert.Contains("ended before the arguments of 'lookup' closed", aborted.Message, StringComparison.Ordinal);
        ToolCallFailed failed = Assert.Single(run.Events.OfType<ToolCallFailed>());
        Assert.Equal("call_b", failed.Call.CallId);
        Conversation.AssertConsistent(completed.Messages);
        MeaiClients.AssertCallsSentBack(await second.Received, ["call_a", "call_b"]);
    });

    [Fact]
    public Task RunAsync_ResponsesCallToAnUnknownTool_FailsWithItsNameAndTheOthersRun() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var events = new ResponsesEvents();
        server.Enqueue(new SseHttpResponse()
            .Raw(events.Created())
            .Raw(events.Call(0, "call_x", "no_such_tool", "{\"q\":", " \"x\"}"))
            .Raw(events.Call(1, "call_a", "lookup", "{\"q\":", " \"a\"}"))
            .Raw(events.Completed()));
        SseHttpResponse second = server.Enqueue(new SseHttpResponse().Raw(new ResponsesEvents("resp_2").Answer("Done.")));
        var lookup = new LookupTool();

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, lookup, ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1 }, lookup.Runs.ToDictionary());
        ToolCallFailed failed = Assert.Single(run.Events.OfType<ToolCallFailed>());
        Assert.Equal("call_x", failed.Call.CallId);
        Assert.Contains("There is no tool named 'no_such_tool'", failed.ResultForModel, StringComparison.Ordinal);
        Conversation.AssertConsistent(completed.Messages);
        MeaiClients.AssertCallsSentBack(await second.Received, ["call_x", "call_a"]);
    });

    [Fact]
    public Task RunAsync_ResponsesEventNotJson_EndsAsModelFailedAndTheCallThatStartedKeepsItsResult() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var events = new ResponsesEvents();
        var lookup = new LookupTool();
        lookup.Response = server.Enqueue(new SseHttpResponse()
            .Raw(events.Created())
            .Raw(events.CallAdded(0, "call_a", "lookup"))
            .Raw(events.ArgumentsDelta(0, "call_a", "{\"q\": \"a\"}"))
            .WaitFor(lookup.StartedAsync("a"))
            .Raw("event: response.output_item.done\ndata: {\"type\": \"response.output_item.done\", \"item\": {oops\n\n")
            .Raw(events.Completed()));

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, lookup, ct);

        Assert.Equal(RunCompletionReason.ModelFailed, completed.Reason);
        DiagnosticReported failure = Assert.Single(run.Events.OfType<DiagnosticReported>(), d => d.Code == "model-stream-failed");
        Assert.StartsWith("The model's response stream failed: ", failure.Message, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1 }, lookup.Runs.ToDictionary());
        Assert.False(lookup.ServerAtStart["a"].Ended);
        Conversation.AssertConsistent(completed.Messages);
        Assert.Contains(completed.Messages, m => m.Contents.OfType<FunctionResultContent>().Any(r => r.CallId == "call_a"));
    });

    private static async Task<(PipelineRun Run, RunCompleted Completed)> RunAsync(OpenAITestServer server, LookupTool lookup, CancellationToken cancellationToken)
    {
        IChatClient client = MeaiClients.Responses(server);
        var run = PipelineRun.Start(OpenAIDeltaReaderTests.Pipeline(client, lookup, withReader: true), "Look things up.", cancellationToken);
        return (run, await run.CompletionAsync(cancellationToken));
    }
}
