using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// The recorded OpenAI chat streams replayed by a real HTTP server, read by the official SDK, and assembled by
/// ToolFlow's parser block inside a <see cref="ToolPipeline"/> that runs real tools.
/// </summary>
public sealed class OpenAIReplayPipelineTests
{
    public static TheoryData<string, int?> ReplayCases()
    {
        var data = new TheoryData<string, int?>();
        foreach (string name in RecordedStreams.All.Keys)
        {
            data.Add(name, null);
            data.Add(name, 5);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ReplayCases))]
    public Task RunAsync_RecordedStream_AssemblesTheExpectedCallsRunsThemAndSendsTheResultsBack(string fileName, int? pieceSize) => TestGuard.RunAsync(async ct =>
    {
        RecordedStream expected = RecordedStreams.All[fileName];
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        server.Enqueue(SseHttpResponse.Replay(RecordedStreams.Body(fileName), pieceSize));
        SseHttpResponse second = server.Enqueue(SseHttpResponse.Of(Chunks.Answer("All done.")));
        using OpenAIChatClient client = OpenAIChatClientTests.Client(server);
        var invocations = new ConcurrentQueue<(string Name, string Arguments)>();
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(client);
        foreach (string name in expected.Calls.Select(c => c.Name).Distinct())
        {
            builder.AddTool(new RecordingTool(name, invocations), ToolEffects.ReadOnly);
        }

        PipelineRun run = PipelineRun.Start(builder.Build(), "Go.", ct);
        RunCompleted completed = await run.CompletionAsync(ct);

        // The parser block assembled exactly the README's calls, in order, with no argument errors.
        ResponseCompleted response = run.Events.OfType<ResponseCompleted>().First(r => r.Turn == 1);
        Assert.Null(response.Error);
        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        Assert.Equal(expected.Calls.Select(c => c.Name), response.Calls.Select(c => c.Name));
        for (int i = 0; i < expected.Calls.Length; i++)
        {
            Assert.Null(response.Calls[i].ArgumentsError);
            Assert.True(SameJson(expected.Calls[i].ArgumentsJson, response.Calls[i].ArgumentsJson), response.Calls[i].ArgumentsJson);
        }

        Assert.Equal(expected.Text, response.Message.Text);
        Assert.Equal(expected.HasReasoning, run.Events.OfType<ReasoningDelta>().Any());
        if (expected.Usage is { } usage)
        {
            Assert.Equal(usage.Total, (int)response.Usage!.TotalTokenCount!);
        }

        // Each call ran once, with its arguments, and every call closed before the next began.
        Assert.Equal(
            expected.Calls.Select(c => c.Name).Order(),
            invocations.Select(i => i.Name).Order());
        Assert.All(invocations, i => Assert.Contains(expected.Calls, c => c.Name == i.Name && SameJson(c.ArgumentsJson, i.Arguments)));
        int[] detected = [.. run.Events.Select((e, i) => (e, i)).Where(x => x.e is ToolCallDetected).Select(x => x.i)];
        int[] closed = [.. run.Events.Select((e, i) => (e, i)).Where(x => x.e is ToolCallClosed).Select(x => x.i)];
        for (int i = 1; i < detected.Length; i++)
        {
            Assert.True(closed[i - 1] < detected[i], "A call was detected before the previous one closed.");
        }

        // The results went back to the model in call order, under the recorded call ids.
        JsonElement[] sent = (await second.Received).Messages;
        Assert.Equal(["user", "assistant", .. expected.Calls.Select(_ => "tool")], sent.Select(m => m.GetProperty("role").GetString()));
        string[] callIds = [.. sent[1].GetProperty("tool_calls").EnumerateArray().Select(c => c.GetProperty("id").GetString()!)];
        Assert.Equal(response.Calls.Select(c => c.CallId), callIds);
        Assert.Equal(callIds, sent.Skip(2).Select(m => m.GetProperty("tool_call_id").GetString()));
        Assert.Equal(expected.Calls.Select(c => $"ok from {c.Name}"), sent.Skip(2).Select(m => m.GetProperty("content").GetString()));

        Assert.Equal(RunCompletionReason.FinalAnswer, completed.Reason);
        Assert.Equal("All done.", completed.FinalText);
        Conversation.AssertConsistent(completed.Messages);
    });

    private static bool SameJson(string expected, string actual) => JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual));

    /// <summary>A read-only tool that records its arguments as JSON and answers <c>ok from NAME</c>.</summary>
    private sealed class RecordingTool(string name, ConcurrentQueue<(string Name, string Arguments)> invocations) : AIFunction
    {
        public override string Name => name;

        public override string Description => $"Recorded tool {name}.";

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            invocations.Enqueue((name, JsonSerializer.Serialize(new Dictionary<string, object?>(arguments), AIJsonUtilities.DefaultOptions)));
            return ValueTask.FromResult<object?>($"ok from {name}");
        }
    }
}
