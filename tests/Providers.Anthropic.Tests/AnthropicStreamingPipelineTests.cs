using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using static ToolFlow.Providers.Anthropic.Tests.AnthropicEvents;

namespace ToolFlow.Providers.Anthropic.Tests;

/// <summary>
/// The official Anthropic SDK's <see cref="IChatClient"/> against a loopback server speaking the Messages streaming
/// format. The server holds the rest of each stream until a tool has started, so a passing test shows the tool
/// started before the response ended; a tool that could not start there would hang the test until its guard.
/// </summary>
public sealed class AnthropicStreamingPipelineTests
{
    private readonly ConcurrentQueue<string> _ran = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _started = new();

    [Fact]
    public Task RunAsync_WithReader_EachCallStartsBeforeItsBlockStopsAndRunsOnce() => TestGuard.RunAsync(async ct =>
    {
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);

        // Each lookup's tool must start after the input_json_delta that closes its arguments and before the block's
        // content_block_stop, where the client yields the whole call: only the reader can start it there. The
        // argument-less call streams no partial_json; its whole content at its block stop closes it.
        SseHttpResponse first = server.Enqueue(ThreeCalls(gateBeforeStop: true));
        SseHttpResponse second = server.Enqueue(Answer("a and b were found at 09:30."));
        ToolPipeline pipeline = Pipeline(server.ChatClient(), withReader: true);

        RunCompleted completed = await PipelineRun.Start(pipeline, "Look up a and b, and the time.", ct).CompletionAsync(ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal("a and b were found at 09:30.", completed.FinalText);
        Assert.Equal(["lookup:a", "now", "lookup:b"], _ran);
        await AssertSecondRequestCarriesEachCallAndResultOnce(second);
        Conversation.AssertConsistent(completed.Messages);
        Assert.True(first.HasEnded);
    });

    [Fact]
    public Task RunAsync_WithReader_ArgumentsStreamAsDeltasAndTheWholeCallIsNotASecondCall() => TestGuard.RunAsync(async ct =>
    {
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);
        server.Enqueue(ThreeCalls(gateBeforeStop: true));
        server.Enqueue(Answer("Done."));
        PipelineRun run = PipelineRun.Start(Pipeline(server.ChatClient(), withReader: true), "Go.", ct);

        await run.CompletionAsync(ct);

        Assert.Equal(["toolu_a", "toolu_now", "toolu_b"], run.Events.OfType<ToolCallDetected>().Select(d => d.CallId));
        Assert.Equal(["toolu_a", "toolu_now", "toolu_b"], run.Events.OfType<ToolCallStarted>().Select(s => s.Call.CallId));
        Assert.Equal(
            ["{\"q\": ", "\"a\"}", "{}", "{\"q\": \"b\"}"],
            run.Events.OfType<ToolArgumentsDelta>().Select(d => d.Fragment));
        Assert.DoesNotContain(run.Events, e => e is ToolCallFailed or DiagnosticReported);
    });

    [Fact]
    public Task RunAsync_WithoutReader_EachCallStartsAtItsBlockStopBeforeTheResponseEnds() => TestGuard.RunAsync(async ct =>
    {
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);

        // The client yields each whole call at its content_block_stop, mid-stream: ToolFlow starts it there.
        server.Enqueue(ThreeCalls(gateBeforeStop: false));
        SseHttpResponse second = server.Enqueue(Answer("a and b were found at 09:30."));
        PipelineRun run = PipelineRun.Start(Pipeline(server.ChatClient(), withReader: false), "Go.", ct);

        RunCompleted completed = await run.CompletionAsync(ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal(["lookup:a", "now", "lookup:b"], _ran);
        Assert.Empty(run.Events.OfType<ToolArgumentsDelta>());
        await AssertSecondRequestCarriesEachCallAndResultOnce(second);
        Conversation.AssertConsistent(completed.Messages);
    });

    [Fact]
    public Task RunAsync_ThinkingBeforeTheCall_IsReasoningAndTheCallStillStartsBeforeItsBlockStops() => TestGuard.RunAsync(async ct =>
    {
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);
        server.Enqueue(new SseHttpResponse()
            .Raw(MessageStart())
            .Raw(ThinkingStart(0))
            .Raw(Thinking(0, "I should look up a."))
            .Raw(Signature(0))
            .Raw(BlockStop(0))
            .Raw(ToolUseStart(1, "toolu_a", "lookup"))
            .Raw(InputJson(1, "{\"q\": \"a\"}"))
            .WaitFor(Started("lookup:a"))
            .Raw(BlockStop(1))
            .Raw(MessageDelta("tool_use"))
            .Raw(MessageStop()));
        server.Enqueue(Answer("Found a."));
        PipelineRun run = PipelineRun.Start(Pipeline(server.ChatClient(), withReader: true), "Go.", ct);

        RunCompleted completed = await run.CompletionAsync(ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal(["lookup:a"], _ran);
        Assert.Equal("I should look up a.", string.Concat(run.Events.OfType<ReasoningDelta>().Select(r => r.Text)));
    });

    [Fact]
    public Task RunAsync_ArgumentsThatNeverClose_TheCallFailsWithADiagnosticAndNeverRuns() => TestGuard.RunAsync(async ct =>
    {
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);
        server.Enqueue(BadCallThenLookupB("toolu_open", "lookup", "{\"q\": \"a"));
        SseHttpResponse second = server.Enqueue(Answer("Only b."));
        PipelineRun run = PipelineRun.Start(Pipeline(server.ChatClient(), withReader: true), "Go.", ct);

        RunCompleted completed = await run.CompletionAsync(ct);

        Assert.Equal(["lookup:b"], _ran);
        ToolCallFailed failed = Assert.Single(run.Events.OfType<ToolCallFailed>());
        Assert.Equal("toolu_open", failed.Call.CallId);
        Assert.Contains(run.Events.OfType<DiagnosticReported>(), d => d.Code == "call-aborted" && d.Message.Contains("lookup", StringComparison.Ordinal));
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Conversation.AssertConsistent(completed.Messages);
        JsonElement[] results = ToolResults(await second.Received);
        Assert.Equal(["toolu_open", "toolu_b"], results.Select(r => r.GetProperty("tool_use_id").GetString()));
        Assert.Equal(failed.ResultForModel, ResultText(results[0]));
    });

    [Fact]
    public Task RunAsync_ErrorEventMidStream_TheRunFailsSayingWhyAndTheFinishedCallKeepsItsResult() => TestGuard.RunAsync(async ct =>
    {
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);
        server.Enqueue(new SseHttpResponse()
            .Raw(MessageStart())
            .Raw(ToolUseStart(0, "toolu_a", "lookup"))
            .Raw(InputJson(0, "{\"q\": \"a\"}"))
            .WaitFor(Started("lookup:a"))
            .Raw(BlockStop(0))
            .Raw(ToolUseStart(1, "toolu_open", "lookup"))
            .Raw(InputJson(1, "{\"q\": "))
            .Raw(Error("overloaded_error", "Overloaded")));
        PipelineRun run = PipelineRun.Start(Pipeline(server.ChatClient(), withReader: true), "Go.", ct);

        RunCompleted completed = await run.CompletionAsync(ct);

        Assert.Equal(RunCompletionReason.ModelFailed, completed.Reason);
        DiagnosticReported diagnostic = Assert.Single(run.Events.OfType<DiagnosticReported>(), d => d.Code == "model-stream-failed");
        Assert.Contains("overloaded_error", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("Overloaded", diagnostic.Message, StringComparison.Ordinal);
        Assert.Equal(["lookup:a"], _ran);
        Assert.Contains(run.Events.OfType<ToolCallCompleted>(), c => c.Call.CallId == "toolu_a");
        Assert.Single(run.Events.OfType<ToolCallFailed>(), f => f.Call.CallId == "toolu_open");
        Conversation.AssertConsistent(completed.Messages);
        Assert.Single(server.Requests);
    });

    [Fact]
    public Task RunAsync_CallToAnUnknownTool_FailsThatCallAndTheModelSeesWhy() => TestGuard.RunAsync(async ct =>
    {
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);
        server.Enqueue(BadCallThenLookupB("toolu_rocket", "launch_rockets", "{\"count\": 3}"));
        SseHttpResponse second = server.Enqueue(Answer("No rockets."));
        PipelineRun run = PipelineRun.Start(Pipeline(server.ChatClient(), withReader: true), "Go.", ct);

        RunCompleted completed = await run.CompletionAsync(ct);

        ToolCallFailed failed = Assert.Single(run.Events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.UnknownTool, failed.Kind);
        Assert.Contains("launch_rockets", failed.Message, StringComparison.Ordinal);
        Assert.Equal(["lookup:b"], _ran);
        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        JsonElement[] results = ToolResults(await second.Received);
        Assert.Equal(["toolu_rocket", "toolu_b"], results.Select(r => r.GetProperty("tool_use_id").GetString()));
        Assert.Contains("launch_rockets", ResultText(results[0]), StringComparison.Ordinal);
    });

    [Fact]
    public Task RunAsync_ServerToolUse_IsNotRunAndItsInputIsNotReadAsACall() => TestGuard.RunAsync(async ct =>
    {
        // Anthropic runs its server tools itself; the client gives the call as a WebSearchToolCallContent, not a
        // function call, and the response's reader reads input fragments only of tool_use blocks.
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);
        server.Enqueue(new SseHttpResponse()
            .Raw(MessageStart())
            .Raw(ServerToolUseStart(0, "srvtoolu_1", "web_search"))
            .Raw(InputJson(0, "{\"query\": \"weather\"}"))
            .Raw(BlockStop(0))
            .Raw(TextStart(1))
            .Raw(Text(1, "It is sunny."))
            .Raw(BlockStop(1))
            .Raw(MessageDelta("end_turn"))
            .Raw(MessageStop()));
        PipelineRun run = PipelineRun.Start(Pipeline(server.ChatClient(), withReader: true), "Weather?", ct);

        RunCompleted completed = await run.CompletionAsync(ct);

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal("It is sunny.", completed.FinalText);
        Assert.Empty(_ran);
        Assert.Empty(run.Events.OfType<ToolCallDetected>());
        Assert.Empty(run.Events.OfType<DiagnosticReported>());
    });

    [Fact]
    public Task RunAsync_ApiKey_GoesOnlyToTheConfiguredHostAsABearerToken() => TestGuard.RunAsync(async ct =>
    {
        await using AnthropicTestServer server = await AnthropicTestServer.StartAsync(ct);
        server.Enqueue(ThreeCalls(gateBeforeStop: false));
        server.Enqueue(Answer("Done."));
        var sent = new RecordingHandler();
        IChatClient client = server.Client(sent).AsIChatClient("claude-test");

        await PipelineRun.Start(Pipeline(client, withReader: true), "Go.", ct).CompletionAsync(ct);

        Assert.Equal(2, sent.Requests.Count);
        Assert.All(sent.Requests, r => Assert.Equal(new Uri(server.BaseAddress, "/v1/messages"), r.Uri));

        // SDK 13.15.0 sends the key as "Authorization: Bearer", not in x-api-key (AddDefaultHeaders).
        Assert.All(server.Requests, r => Assert.Equal($"Bearer {AnthropicTestServer.ApiKey}", r.Authorization));
        Assert.All(server.Requests, r => Assert.Empty(r.ApiKey));
    });

    /// <summary>
    /// A text block, a lookup whose arguments stream in two fragments, an argument-less call with an empty fragment,
    /// a lookup in one fragment, then <c>tool_use</c>. Each call's gate waits for its tool to start: before the block
    /// stops (only the reader can start a call there) or right after it (the client yields the whole call there).
    /// </summary>
    private SseHttpResponse ThreeCalls(bool gateBeforeStop)
    {
        var response = new SseHttpResponse()
            .Raw(MessageStart())
            .Raw(TextStart(0))
            .Raw(Ping())
            .Raw(Text(0, "Looking these up."))
            .Raw(BlockStop(0));
        Call(1, "toolu_a", "lookup", "lookup:a", "{\"q\": ", "\"a\"}");
        Call(2, "toolu_now", "now", "now", string.Empty);
        Call(3, "toolu_b", "lookup", "lookup:b", "{\"q\": \"b\"}");
        return response
            .Raw(MessageDelta("tool_use"))
            .Raw(MessageStop());

        void Call(int index, string id, string name, string started, params string[] fragments)
        {
            response.Raw(ToolUseStart(index, id, name));
            foreach (string fragment in fragments)
            {
                response.Raw(InputJson(index, fragment));
            }

            // An argument-less call (the API sends it an empty partial_json, or none) closes only with its whole
            // content, at its block stop.
            bool before = gateBeforeStop && fragments.Any(f => f.Length > 0);
            if (before)
            {
                response.WaitFor(Started(started));
            }

            response.Raw(BlockStop(index));
            if (!before)
            {
                response.WaitFor(Started(started));
            }
        }
    }

    /// <summary>A call that goes wrong, then a good lookup of b, then <c>tool_use</c>.</summary>
    private static SseHttpResponse BadCallThenLookupB(string id, string name, string arguments) => new SseHttpResponse()
        .Raw(MessageStart())
        .Raw(ToolUseStart(0, id, name))
        .Raw(InputJson(0, arguments))
        .Raw(BlockStop(0))
        .Raw(ToolUseStart(1, "toolu_b", "lookup"))
        .Raw(InputJson(1, "{\"q\": \"b\"}"))
        .Raw(BlockStop(1))
        .Raw(MessageDelta("tool_use"))
        .Raw(MessageStop());

    private static async Task AssertSecondRequestCarriesEachCallAndResultOnce(SseHttpResponse second)
    {
        JsonElement[] messages = (await second.Received).Messages;
        Assert.Equal(["user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        JsonElement[] assistant = [.. messages[1].GetProperty("content").EnumerateArray()];
        Assert.Equal(["text", "tool_use", "tool_use", "tool_use"], assistant.Select(b => b.GetProperty("type").GetString()));
        Assert.Equal("Looking these up.", assistant[0].GetProperty("text").GetString());
        Assert.Equal(["toolu_a", "toolu_now", "toolu_b"], assistant.Skip(1).Select(b => b.GetProperty("id").GetString()));
        Assert.Equal(["lookup", "now", "lookup"], assistant.Skip(1).Select(b => b.GetProperty("name").GetString()));
        Assert.Equal(["{\"q\":\"a\"}", "{}", "{\"q\":\"b\"}"], assistant.Skip(1).Select(b => b.GetProperty("input").GetRawText()));
        JsonElement[] results = [.. messages[2].GetProperty("content").EnumerateArray()];
        Assert.Equal(["toolu_a", "toolu_now", "toolu_b"], results.Select(r => r.GetProperty("tool_use_id").GetString()));

        // The SDK writes a tool's result as JSON text; a string result keeps its quotes.
        Assert.Equal(["\"found a\"", "\"09:30\"", "\"found b\""], results.Select(ResultText));
    }

    private static JsonElement[] ToolResults(RecordedRequest request) =>
        [.. request.Messages.SelectMany(m => m.GetProperty("content").EnumerateArray()).Where(b => b.GetProperty("type").GetString() == "tool_result")];

    // A tool_result's content is a string or a list of text blocks.
    private static string ResultText(JsonElement result)
    {
        JsonElement content = result.GetProperty("content");
        return content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : string.Concat(content.EnumerateArray().Select(b => b.GetProperty("text").GetString()));
    }

    private Task Started(string key) => _started.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    private void Ran(string key)
    {
        _ran.Enqueue(key);
        _ = Started(key);
        _started[key].TrySetResult();
    }

    private ToolPipeline Pipeline(IChatClient client, bool withReader)
    {
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(client)
            .AddTool(AIFunctionFactory.Create((string q) => { Ran($"lookup:{q}"); return $"found {q}"; }, "lookup"), ToolEffects.ReadOnly)
            .AddTool(AIFunctionFactory.Create(() => { Ran("now"); return "09:30"; }, "now"), ToolEffects.ReadOnly);
        return (withReader ? builder.AddDeltaReader(AnthropicDeltaReader.Instance) : builder).Build();
    }
}
