using System.ClientModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.AI;
using OpenAI;
using ToolFlow.Blocks;
using ToolFlow.ClientShapes;
using ToolFlow.Pipeline;
using ToolFlow.Providers.OpenAI;

// Each standard client shape, run by ToolFlow with and without OpenAIDeltaReader and by FunctionInvokingChatClient, on
// a scripted OpenAI server on loopback with a real clock. One warm-up run per row, then the measured run(s).
// Usage: dotnet run -c Release --project perf/ClientShapes [-- --runs N]
int runs = args.Length == 2 && args[0] == "--runs" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
const int ToolMs = 700;
int bound = Math.Max(ShapeServer.DecodeEndMs, ShapeServer.CloseMs.Max() + ToolMs) + ShapeServer.AnswerMs;

await using ShapeServer server = await ShapeServer.StartAsync();
OpenAIClient openAI = new(new ApiKeyCredential("k"), new OpenAIClientOptions { Endpoint = server.Endpoint });
IChatClient meaiChat = openAI.GetChatClient("m").AsIChatClient();
IChatClient meaiResponses = openAI.GetResponsesClient().AsIChatClient("m");
using var toolFlowChat = new OpenAIChatClient(new OpenAIChatClientOptions { Endpoint = server.Endpoint, ApiKey = "k", Model = "m" });

(string Client, string Runner, Func<Tool, Task> Run)[] rows =
[
    ("M.E.AI.OpenAI chat `AsIChatClient()`", "ToolFlow + `OpenAIDeltaReader`", t => ToolFlowAsync(meaiChat, t, reader: true)),
    ("M.E.AI.OpenAI chat `AsIChatClient()`", "ToolFlow, no reader", t => ToolFlowAsync(meaiChat, t, reader: false)),
    ("M.E.AI.OpenAI chat `AsIChatClient()`", "FICC, `AllowConcurrentInvocation`", t => FunctionInvokingAsync(meaiChat, t, concurrent: true)),
    ("M.E.AI.OpenAI chat `AsIChatClient()`", "FICC, default", t => FunctionInvokingAsync(meaiChat, t, concurrent: false)),
    ("M.E.AI.OpenAI Responses `AsIChatClient(model)`", "ToolFlow + `OpenAIDeltaReader`", t => ToolFlowAsync(meaiResponses, t, reader: true)),
    ("M.E.AI.OpenAI Responses `AsIChatClient(model)`", "ToolFlow, no reader", t => ToolFlowAsync(meaiResponses, t, reader: false)),
    ("M.E.AI.OpenAI Responses `AsIChatClient(model)`", "FICC, `AllowConcurrentInvocation`", t => FunctionInvokingAsync(meaiResponses, t, concurrent: true)),
    ("M.E.AI.OpenAI Responses `AsIChatClient(model)`", "FICC, default", t => FunctionInvokingAsync(meaiResponses, t, concurrent: false)),
    ("ToolFlow `OpenAIChatClient` (reference)", "ToolFlow", t => ToolFlowAsync(toolFlowChat, t, reader: false)),
];

Console.WriteLine($"Lower bound: max(decode end {ShapeServer.DecodeEndMs}, last close {ShapeServer.CloseMs.Max()} + tool {ToolMs}) + answer {ShapeServer.AnswerMs} = {bound} ms; {runs} measured run(s) per row after one warm-up.");
Console.WriteLine();
Console.WriteLine("| client | runner | first tool starts | end to end | vs bound |");
Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
foreach ((string client, string runner, Func<Tool, Task> run) in rows)
{
    await run(new Tool(ToolMs));
    var firsts = new List<double>();
    var ends = new List<double>();
    for (int i = 0; i < runs; i++)
    {
        var tool = new Tool(ToolMs);
        await run(tool);
        double end = tool.Clock.Elapsed.TotalMilliseconds;
        if (tool.Runs != ShapeServer.CloseMs.Length)
        {
            throw new InvalidOperationException($"{client} / {runner}: {tool.Runs} tool runs, expected {ShapeServer.CloseMs.Length}.");
        }

        firsts.Add(tool.FirstStartMs);
        ends.Add(end);
    }

    double first = Median(firsts), e2e = Median(ends);
    Console.WriteLine($"| {client} | {runner} | {first:F0} ms | {e2e:F0} ms | {e2e / bound:F3}x |");
}

static double Median(List<double> values)
{
    values.Sort();
    return values[values.Count / 2];
}

static async Task ToolFlowAsync(IChatClient client, Tool tool, bool reader)
{
    ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(client).AddTool(tool.Function, ToolEffects.ReadOnly);
    if (reader)
    {
        builder.AddDeltaReader(OpenAIDeltaReader.Instance);
    }

    tool.Clock.Start();
    RunCompleted? completed = null;
    await foreach (ToolPipelineEvent e in builder.Build().RunAsync([new ChatMessage(ChatRole.User, "Look up three items.")]))
    {
        completed = e as RunCompleted ?? completed;
    }

    tool.Clock.Stop();
    if (completed?.Reason != RunCompletionReason.FinalAnswer)
    {
        throw new InvalidOperationException($"The run ended with {completed?.Reason}.");
    }
}

static async Task FunctionInvokingAsync(IChatClient client, Tool tool, bool concurrent)
{
    using IChatClient invoking = new ChatClientBuilder(client).UseFunctionInvocation(configure: f => f.AllowConcurrentInvocation = concurrent).Build();
    tool.Clock.Start();
    await foreach (ChatResponseUpdate _ in invoking.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Look up three items.")], new ChatOptions { Tools = [tool.Function] }))
    {
    }

    tool.Clock.Stop();
}

/// <summary>The <c>lookup</c> tool: waits its latency on the real clock and notes when its first call started.</summary>
internal sealed class Tool
{
    private int _runs;
    private long _firstStartTicks = -1;

    public Tool(int latencyMs)
    {
        Function = AIFunctionFactory.Create(
            async (string q, CancellationToken cancellationToken) =>
            {
                Interlocked.CompareExchange(ref _firstStartTicks, Clock.ElapsedTicks, -1);
                Interlocked.Increment(ref _runs);
                await Task.Delay(latencyMs, cancellationToken).ConfigureAwait(false);
                return $"{q}: found";
            },
            "lookup",
            "Looks an item up.");
    }

    public Stopwatch Clock { get; } = new();

    public AIFunction Function { get; }

    public int Runs => Volatile.Read(ref _runs);

    public double FirstStartMs => Interlocked.Read(ref _firstStartTicks) * 1000.0 / Stopwatch.Frequency;
}
