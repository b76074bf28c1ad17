using System.ClientModel;
using System.Globalization;
using Anthropic;
using Microsoft.Extensions.AI;
using OllamaSharp;
using OpenAI;
using ToolFlow.Blocks;
using ToolFlow.ClientLatency;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Anthropic;
using ToolFlow.Providers.OpenAI;

// Issue 11's shape (Shape, served by ShapeServer on loopback) through each standard IChatClient, run the same ways:
// ToolFlow with the client's delta reader (where one exists), ToolFlow without one, FunctionInvokingChatClient
// default and with AllowConcurrentInvocation; ToolFlow's own OpenAIChatClient is the reference. Real clock; one
// warm-up run per row, then the median of N.
// Usage: dotnet run -c Release --project perf/ClientLatency [-- --runs N] [--client chat|responses|anthropic|ollama|toolflow]
int runs = 3;
string? only = null;
for (int i = 0; i < args.Length; i++)
{
    string? value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--runs" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out runs) && runs > 0:
            i++;
            break;
        case "--client" when value is not null:
            only = value;
            i++;
            break;
        default:
            Console.Error.WriteLine("Usage: ToolFlow.ClientLatency [--runs N (N >= 1)] [--client chat|responses|anthropic|ollama|toolflow]");
            return 2;
    }
}

await using ShapeServer server = await ShapeServer.StartAsync();
var openAIEndpoint = new Uri(server.Address, "v1");
OpenAIClient openAI = new(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = openAIEndpoint });
(string Name, string Label, IChatClient Client, ToolCallDeltaReader? Reader, bool Reference)[] clients =
[
    ("chat", "M.E.AI.OpenAI chat `AsIChatClient()`", openAI.GetChatClient("m").AsIChatClient(), OpenAIDeltaReader.Instance, false),
    ("responses", "M.E.AI.OpenAI Responses `AsIChatClient(model)`", openAI.GetResponsesClient().AsIChatClient("m"), OpenAIDeltaReader.Instance, false),
    ("anthropic", "Anthropic SDK `AsIChatClient(model)`", new AnthropicClient { ApiKey = "sk-ant-local", BaseUrl = server.Address.ToString().TrimEnd('/'), MaxRetries = 0 }.AsIChatClient("claude-shape"), AnthropicDeltaReader.Instance, false),
    ("ollama", "OllamaSharp `OllamaApiClient`", new OllamaApiClient(server.Address, "llama-shape"), null, false),
    ("toolflow", "ToolFlow `OpenAIChatClient` (reference)", new OpenAIChatClient(new OpenAIChatClientOptions { Endpoint = openAIEndpoint, ApiKey = "k", Model = "m" }), null, true),
];
if (only is not null && !clients.Any(c => c.Name.Equals(only, StringComparison.OrdinalIgnoreCase)))
{
    Console.Error.WriteLine($"Unknown client '{only}'; one of: {string.Join(", ", clients.Select(c => c.Name))}.");
    return 2;
}

Console.WriteLine($"Lower bound: max(decode end {Shape.DecodeEndMs}, last close {Shape.CloseMs[^1]} + tool {Shape.ToolMs}) + answer {Shape.AnswerMs} = {Shape.BoundMs} ms; median of {runs} run(s) per row after one warm-up.");
Console.WriteLine();
Console.WriteLine("| client | runner | first tool starts | end to end | vs bound |");
Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
foreach (var c in clients.Where(c => only is null || c.Name.Equals(only, StringComparison.OrdinalIgnoreCase)))
{
    List<(string Runner, Func<Tool, Task> Run, bool Annotated)> rows = [];
    if (c.Reference)
    {
        rows.Add(("ToolFlow", t => ToolFlowAsync(c.Client, t, null), false));
    }
    else
    {
        if (c.Reader is { } reader)
        {
            rows.Add(($"ToolFlow + `{reader.GetType().Name}`", t => ToolFlowAsync(c.Client, t, reader), false));
        }

        rows.Add(("ToolFlow, no reader", t => ToolFlowAsync(c.Client, t, null), false));

        // The tool as a chat-client user passes it, in ChatOptions.Tools: unannotated, then annotated read-only.
        rows.Add(("`UseToolPipeline`, tool unannotated", t => UseToolPipelineAsync(c.Client, t, c.Reader), false));
        rows.Add(("`UseToolPipeline`, tool `ToolHints.ReadOnly`", t => UseToolPipelineAsync(c.Client, t, c.Reader), true));
        rows.Add(("FICC, default", t => FunctionInvokingAsync(c.Client, t, concurrent: false), false));
        rows.Add(("FICC, `AllowConcurrentInvocation`", t => FunctionInvokingAsync(c.Client, t, concurrent: true), false));
    }

    foreach ((string runner, Func<Tool, Task> run, bool annotated) in rows)
    {
        var firsts = new List<double>();
        var ends = new List<double>();
        for (int i = 0; i <= runs; i++)
        {
            var tool = new Tool(annotated);
            await run(tool);
            if (tool.Runs != Shape.CloseMs.Length)
            {
                throw new InvalidOperationException($"{c.Label} / {runner}: {tool.Runs} tool runs, expected {Shape.CloseMs.Length}.");
            }

            // Run 0 is the warm-up.
            if (i > 0)
            {
                firsts.Add(tool.FirstStartMs);
                ends.Add(tool.Clock.Elapsed.TotalMilliseconds);
            }
        }

        double end = Median(ends);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {c.Label} | {runner} | {Median(firsts):N0} ms | {end:N0} ms | {end / Shape.BoundMs:F3}x |"));
    }
}

foreach (var c in clients)
{
    c.Client.Dispose();
}

return 0;

static double Median(List<double> values)
{
    values.Sort();
    int middle = values.Count / 2;
    return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

static async Task ToolFlowAsync(IChatClient client, Tool tool, ToolCallDeltaReader? reader)
{
    ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(client).AddTool(tool.Function, ToolEffects.ReadOnly);
    if (reader is not null)
    {
        builder.AddDeltaReader(reader);
    }

    tool.Clock.Start();
    Exception? error = null;
    RunCompleted? completed = null;
    await foreach (ToolPipelineEvent e in builder.Build().RunAsync([new ChatMessage(ChatRole.User, "Look up three items.")]))
    {
        error = e is ResponseCompleted { Error: { } failed } ? failed : error;
        completed = e as RunCompleted ?? completed;
    }

    tool.Clock.Stop();
    if (completed?.Reason != RunCompletionReason.FinalAnswer)
    {
        throw new InvalidOperationException($"The run ended with {completed?.Reason}.", error);
    }
}

static async Task UseToolPipelineAsync(IChatClient client, Tool tool, ToolCallDeltaReader? reader)
{
    IChatClient pipeline = new ChatClientBuilder(client)
        .UseToolPipeline(p =>
        {
            if (reader is not null)
            {
                p.AddDeltaReader(reader);
            }
        })
        .Build();
    tool.Clock.Start();
    await foreach (ChatResponseUpdate _ in pipeline.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Look up three items.")], new ChatOptions { Tools = [tool.Function] }))
    {
    }

    tool.Clock.Stop();
}

static async Task FunctionInvokingAsync(IChatClient client, Tool tool, bool concurrent)
{
    // The inner client is shared across rows, so this wrapper must not dispose it.
    IChatClient invoking = new ChatClientBuilder(client).UseFunctionInvocation(configure: f => f.AllowConcurrentInvocation = concurrent).Build();
    tool.Clock.Start();
    await foreach (ChatResponseUpdate _ in invoking.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Look up three items.")], new ChatOptions { Tools = [tool.Function] }))
    {
    }

    tool.Clock.Stop();
}
