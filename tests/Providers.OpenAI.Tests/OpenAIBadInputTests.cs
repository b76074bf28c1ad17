using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// What goes wrong on the wire (HTTP errors before and during the stream, a dropped connection, an event that is not
/// JSON, a stream cut short, an unreachable server, a call to a tool that does not exist, a caller that gives up)
/// ends in a clear event, never a hang, and the conversation stays consistent: every call has a result.
/// </summary>
public sealed class OpenAIBadInputTests
{
    private readonly ConcurrentQueue<string> _ran = new();

    [Fact]
    public Task RunAsync_Http500BeforeTheStream_EndsTheRunAsModelFailedWithTheServersMessage() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(JsonHttpResponse.Error(500, "The server had an error while processing your request."));

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, ct);

        OpenAIChatException error = AssertModelFailed(run, completed, "HTTP 500", "The server had an error while processing your request.");
        Assert.Equal(500, error.StatusCode);
        Assert.Equal(0, error.UpdatesReceived);
        Assert.Equal(1, completed.Turns);
        Assert.Equal([ChatRole.User, ChatRole.Assistant], completed.Messages.Select(m => m.Role));
    });

    [Fact]
    public Task RunAsync_Http500OnTheSecondTurn_KeepsTheFirstTurnsCallsAndResults() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(Chunks.Role(), Chunks.CallStart(0, "call_1", "lookup", "{\"q\": \"a\"}"), Chunks.Finish("tool_calls")));
        server.Enqueue(JsonHttpResponse.Error(503, "Service temporarily overloaded."));

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, ct);

        OpenAIChatException error = AssertModelFailed(run, completed, "HTTP 503", "Service temporarily overloaded.");
        Assert.Equal(503, error.StatusCode);
        Assert.Equal(2, completed.Turns);
        Assert.Equal(["lookup:a"], _ran);
        Assert.Contains(completed.Messages, m => m.Contents.OfType<FunctionResultContent>().Any(r => r.CallId == "call_1"));
    });

    [Fact]
    public Task RunAsync_ErrorEventMidStream_FinishedReadOnlyCallsKeepTheirResultsAndTheRestFail() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(BrokenTurn().Event(Chunks.Error("The model crashed while decoding.")));

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, ct);

        AssertModelFailed(run, completed, "reported an error in the middle of the response", "The model crashed while decoding.");
        AssertBrokenTurnOutcomes(run);
    });

    [Fact]
    public Task RunAsync_ConnectionDroppedMidStream_EndsWithAClearErrorAndNoCallIsLeftWithoutAResult() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse response = server.Enqueue(BrokenTurn(stepped: true).Abort());
        PipelineRun run = PipelineRun.Start(Pipeline(server), "Go.", ct);

        // The client has read all five updates when the server resets the connection.
        await response.SendUntilAsync(5, ct);
        await run.WaitForAsync<ToolArgumentsDelta>(d => d.Fragment.Contains("unfini", StringComparison.Ordinal), ct);
        await response.SendRestAsync(ct);
        RunCompleted completed = await run.CompletionAsync(ct);

        OpenAIChatException error = AssertModelFailed(run, completed, "connection to the model server", "was lost after 5 updates");
        Assert.Null(error.StatusCode);

        AssertBrokenTurnOutcomes(run);
    });

    [Fact]
    public Task RunAsync_InvalidSseDataLine_EndsWithAClearErrorAndNoCallIsLeftWithoutAResult() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(BrokenTurn().Raw("data: {\"id\": \"chatcmpl-x\", \"choices\": [{\"delta\": {\"content\": \"unterminated\n\n"));

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, ct);

        AssertModelFailed(run, completed, "sent an event that is not valid JSON", "after 5 updates");
        AssertBrokenTurnOutcomes(run);
    });

    [Fact]
    public Task RunAsync_StreamEndsWithoutAFinishReason_IsReportedAsCutShort() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(BrokenTurn());

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, ct);

        AssertModelFailed(run, completed, "without a finish reason", "cut short");
        AssertBrokenTurnOutcomes(run);
    });

    [Fact]
    public Task RunAsync_ServerUnreachable_EndsTheRunAsModelFailed() => TestGuard.RunAsync(async ct =>
    {
        OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        await server.DisposeAsync();

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, ct);

        AssertModelFailed(run, completed, "Could not reach the model server", server.Endpoint.ToString());
    });

    [Fact]
    public Task RunAsync_CallToAnUnknownTool_FailsThatCallAndTheModelSeesWhy() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Of(
            Chunks.Role(),
            Chunks.CallStart(0, "call_rocket", "launch_rockets", "{\"count\": 3}"),
            Chunks.CallStart(1, "call_look", "lookup", "{\"q\": \"b\"}"),
            Chunks.Finish("tool_calls")));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("I cannot launch rockets.")));

        (PipelineRun run, RunCompleted completed) = await RunAsync(server, ct);

        ToolCallFailed failed = Assert.Single(run.Events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.UnknownTool, failed.Kind);
        Assert.Contains("launch_rockets", failed.Message, StringComparison.Ordinal);
        Assert.Equal(["lookup:b"], _ran);
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Conversation.AssertConsistent(completed.Messages);
        var toolMessages = (await second.Received).Messages.Where(m => m.GetProperty("role").GetString() == "tool").ToArray();
        Assert.Equal(["call_rocket", "call_look"], toolMessages.Select(m => m.GetProperty("tool_call_id").GetString()));
        Assert.Equal(failed.ResultForModel, toolMessages[0].GetProperty("content").GetString());
        Assert.Contains("launch_rockets", failed.ResultForModel, StringComparison.Ordinal);
    });

    [Fact]
    public Task RunAsync_CallerCancelsMidStream_TheRunStopsAndTheHttpRequestIsAborted() => TestGuard.RunAsync(async ct =>
    {
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        SseHttpResponse response = server.Enqueue(new SseHttpResponse(stepped: true)
            .Event(Chunks.Role())
            .Event(Chunks.Text("Thinking about it"))
            .Event(Chunks.Text(" for a long time..."))
            .Event(Chunks.Finish("stop"))
            .Done());
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(ct);
        PipelineRun run = PipelineRun.Start(Pipeline(server), "Go.", caller.Token);

        await response.SendUntilAsync(2, ct);
        await run.WaitForAsync<TextDelta>(null, ct);
        await caller.CancelAsync();

        Exception? error = await run.DrainAsync(ct);
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        await response.Ended.WaitAsync(ct);
        Assert.Equal(2, response.Sent);
    });

    /// <summary>
    /// A turn that breaks off: a finished read-only call, a finished side-effecting call, then a read-only call whose
    /// arguments never close. Five updates; whatever the test appends comes after them.
    /// </summary>
    /// <param name="stepped">Whether each step waits for the test.</param>
    /// <returns>The response.</returns>
    private static SseHttpResponse BrokenTurn(bool stepped = false) => new SseHttpResponse(stepped)
        .Event(Chunks.Role())
        .Event(Chunks.CallStart(0, "call_done", "lookup", "{\"q\": \"a\"}"))
        .Event(Chunks.CallStart(1, "call_send", "send_report", "{\"to\": \"ops\"}"))
        .Event(Chunks.CallStart(2, "call_open", "lookup", "{\"q\": "))
        .Event(Chunks.CallArguments(2, "\"unfini"));

    private void AssertBrokenTurnOutcomes(PipelineRun run)
    {
        // The finished read-only call ran and kept its result; the side-effecting one never ran on a broken
        // response; the call cut off mid-arguments failed. Each of them has an outcome the model can see.
        Assert.Equal(["lookup:a"], _ran);
        Assert.Contains(run.Events.OfType<ToolCallCompleted>(), c => c.Call.CallId == "call_done");
        ToolCallFailed send = Assert.Single(run.Events.OfType<ToolCallFailed>(), f => f.Call.CallId == "call_send");
        Assert.Equal(ToolCallFailureKind.Discarded, send.Kind);
        Assert.Single(run.Events.OfType<ToolCallFailed>(), f => f.Call.CallId == "call_open");
        Assert.Contains(run.Events.OfType<DiagnosticReported>(), d => d.Code == "call-aborted");
    }

    private static OpenAIChatException AssertModelFailed(PipelineRun run, RunCompleted completed, params string[] fragments)
    {
        ResponseCompleted response = run.Events.OfType<ResponseCompleted>().Last();
        OpenAIChatException error = Assert.IsType<OpenAIChatException>(response.Error);
        DiagnosticReported diagnostic = Assert.Single(run.Events.OfType<DiagnosticReported>(), d => d.Code == "model-stream-failed");
        foreach (string fragment in fragments)
        {
            Assert.True(error.Message.Contains(fragment, StringComparison.Ordinal), error.ToString());
            Assert.Contains(fragment, diagnostic.Message, StringComparison.Ordinal);
        }

        Assert.Equal(RunCompletionReason.ModelFailed, completed.Reason);
        Conversation.AssertConsistent(completed.Messages);
        return error;
    }

    private async Task<(PipelineRun Run, RunCompleted Completed)> RunAsync(OpenAITestServer server, CancellationToken cancellationToken)
    {
        PipelineRun run = PipelineRun.Start(Pipeline(server), "Go.", cancellationToken);
        return (run, await run.CompletionAsync(cancellationToken));
    }

    private ToolPipeline Pipeline(OpenAITestServer server) => ToolPipeline.CreateBuilder(OpenAIChatClientTests.Client(server))
        .AddTool(AIFunctionFactory.Create((string q) => { _ran.Enqueue($"lookup:{q}"); return $"found {q}"; }, "lookup"), ToolEffects.ReadOnly)
        .AddTool(AIFunctionFactory.Create((string to) => { _ran.Enqueue($"send:{to}"); return "sent"; }, "send_report"))
        .Build();
}
