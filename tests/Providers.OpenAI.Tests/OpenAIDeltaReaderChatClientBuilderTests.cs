using System.Diagnostics;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>
/// <see cref="OpenAIDeltaReader"/> in a <see cref="ChatClientBuilder"/> chain with the framework's own
/// <c>UseOpenTelemetry</c>, over <c>Microsoft.Extensions.AI.OpenAI</c>'s chat and Responses clients and real HTTP: the framework's
/// chat spans are there and each tool starts while the model's stream is still open.
/// </summary>
public sealed class OpenAIDeltaReaderChatClientBuilderTests
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public Task GetStreamingResponseAsync_WithOpenTelemetry_ChatSpansAndToolsStartedMidDecode(bool telemetryOutside, bool responses) => TestGuard.RunAsync(async ct =>
    {
        string sourceName = $"ToolFlow.Tests.{Guid.NewGuid():N}";
        var log = new List<string>();
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == sourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = a => Log(log, $"start {a.DisplayName}"),
            ActivityStopped = a =>
            {
                Log(log, $"stop {a.DisplayName}");
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using OpenAITestServer server = await OpenAITestServer.StartAsync(ct);
        var lookup = new LookupTool { OnRun = q => Log(log, $"lookup {q}") };
        var gates = new Dictionary<string, int>();
        lookup.Response = server.Enqueue(responses ? ThreeLookups.Responses(lookup, gates) : ThreeLookups.Chat(lookup, gates));
        SseHttpResponse second = server.Enqueue(responses
            ? new SseHttpResponse().Raw(new ResponsesEvents("resp_2").Answer("Done."))
            : SseHttpResponse.Of(Chunks.Answer("Done.")));
        void Configure(ToolPipelineBuilder pipeline) => pipeline.AddDeltaReader(OpenAIDeltaReader.Instance).AddTool(lookup.Function, ToolEffects.ReadOnly);

        // Outside: one span for the whole exchange, tools included. Inside: one span per model request.
        var builder = new ChatClientBuilder(responses ? MeaiClients.Responses(server) : MeaiClients.Chat(server));
        using IChatClient client = telemetryOutside
            ? builder.UseOpenTelemetry(sourceName: sourceName).UseToolPipeline(Configure).Build()
            : builder.UseToolPipeline(Configure).UseOpenTelemetry(sourceName: sourceName).Build();

        List<ChatResponseUpdate> updates = [];
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Look up a, b and c.")], cancellationToken: ct))
        {
            updates.Add(update);
        }

        OpenAIDeltaReaderTests.AssertStartedBeforeTheirGates(lookup, gates);
        Assert.Equal(ThreeLookups.Queries.ToDictionary(q => q, _ => 1), lookup.Runs.OrderBy(r => r.Key).ToDictionary());
        Assert.EndsWith("Done.", updates.ToChatResponse().Text, StringComparison.Ordinal);
        if (responses)
        {
            MeaiClients.AssertResponsesHistory(await second.Received, ThreeLookups.CallIds);
        }
        else
        {
            MeaiClients.AssertChatHistory(await second.Received, ThreeLookups.CallIds);
        }

        string span = $"chat {MeaiClients.Model}";
        string[] expected = telemetryOutside
            ? [$"start {span}", "lookup a", "lookup b", "lookup c", $"stop {span}"]
            : [$"start {span}", "lookup a", "lookup b", "lookup c", $"stop {span}", $"start {span}", $"stop {span}"];
        Assert.Equal(expected, Snapshot(log));
        Assert.All(Snapshot(spans), a =>
        {
            Assert.Equal(span, a.DisplayName);
            Assert.Equal("chat", a.GetTagItem("gen_ai.operation.name"));
            Assert.Equal(MeaiClients.Model, a.GetTagItem("gen_ai.request.model"));
        });
    });

    private static void Log(List<string> log, string entry)
    {
        lock (log)
        {
            log.Add(entry);
        }
    }

    private static T[] Snapshot<T>(List<T> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }
}
