using System.Diagnostics;
using System.Globalization;
using Anthropic;
using Microsoft.Extensions.AI;
using OllamaSharp;
using ToolFlow.Blocks;
using ToolFlow.ClientLatency;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Anthropic;

// Runs the issue's shape (ShapeServer) through the Anthropic SDK's and OllamaSharp's IChatClient, with ToolFlow (with
// and without the Anthropic reader) and with FunctionInvokingChatClient (AllowConcurrentInvocation), side by side.
// Usage: dotnet run -c Release --project perf/ClientLatency [-- RUNS]
int runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
const int ToolMs = 700;
await using ShapeServer server = await ShapeServer.StartAsync();

IChatClient Anthropic() => new AnthropicClient { ApiKey = "sk-ant-local", BaseUrl = server.Address.ToString().TrimEnd('/'), MaxRetries = 0 }.AsIChatClient("claude-shape");
IChatClient Ollama() => new OllamaApiClient(new Uri(server.Address, "/"), "llama-shape");

(string Client, string Runner, Func<IChatClient> Client_, Func<IChatClient, AIFunction, Task> Run)[] rows =
[
    ("Anthropic SDK `AsIChatClient`", "ToolFlow + `AnthropicDeltaReader`", Anthropic, (c, f) => ToolFlowAsync(c, f, withReader: true)),
    ("Anthropic SDK `AsIChatClient`", "ToolFlow, no reader", Anthropic, (c, f) => ToolFlowAsync(c, f, withReader: false)),
    ("Anthropic SDK `AsIChatClient`", "`FunctionInvokingChatClient`, concurrent", Anthropic, FiccAsync),
    ("OllamaSharp `OllamaApiClient`", "ToolFlow (no reader needed)", Ollama, (c, f) => ToolFlowAsync(c, f, withReader: false)),
    ("OllamaSharp `OllamaApiClient`", "`FunctionInvokingChatClient`, concurrent", Ollama, FiccAsync),
];

int bound = ShapeServer.DecodeEndMs + ShapeServer.AnswerMs;
Console.WriteLine($"Shape: calls close at {string.Join("/", ShapeServer.CallClosesMs)} ms, text to {ShapeServer.DecodeEndMs} ms, {ToolMs} ms tools, {ShapeServer.AnswerMs} ms answer; bound {bound} ms. Median of {runs} runs after a warm-up.");
Console.WriteLine();
Console.WriteLine("| client | runner | first tool starts | end to end | vs bound |");
Console.WriteLine("| --- | --- | ---: | ---: | ---: |");
foreach (var row in rows)
{
    var firsts = new List<double>();
    var totals = new List<double>();
    for (int i = 0; i <= runs; i++)
    {
        var probe = new Probe();
        AIFunction lookup = AIFunctionFactory.Create(
            async (string q, CancellationToken ct) =>
            {
                probe.ToolStarted();
                await Task.Delay(ToolMs, ct).ConfigureAwait(false);
                return $"found {q}";
            },
            "lookup");
        IChatClient client = row.Client_();
        await row.Run(client, lookup);
        double total = Stopwatch.GetElapsedTime(probe.Start).TotalMilliseconds;
        (client as IDisposable)?.Dispose();
        if (i > 0)
        {
            firsts.Add(probe.FirstToolMs);
            totals.Add(total);
        }
    }

    double e2e = Median(totals);
    Console.WriteLine($"| {row.Client} | {row.Runner} | {Median(firsts):F0} ms | {e2e:F0} ms | {e2e / bound:F3}x |");
}

static async Task ToolFlowAsync(IChatClient client, AIFunction lookup, bool withReader)
{
    ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(client).AddTool(lookup, ToolEffects.ReadOnly);
    ToolPipeline pipeline = (withReader ? builder.AddDeltaReader(AnthropicDeltaReader.Instance) : builder).Build();
    Exception? error = null;
    await foreach (ToolPipelineEvent e in pipeline.RunAsync([new ChatMessage(ChatRole.User, "Look up q0, q1 and q2.")]))
    {
        error = e is ResponseCompleted { Error: { } failed } ? failed : error;
        if (e is RunCompleted { Reason: not RunCompletionReason.FinalAnswer } completed)
        {
            throw new InvalidOperationException($"The run ended with {completed.Reason}.", error);
        }
    }
}

static async Task FiccAsync(IChatClient client, AIFunction lookup)
{
    IChatClient ficc = new ChatClientBuilder(client).UseFunctionInvocation(configure: f => f.AllowConcurrentInvocation = true).Build();
    await foreach (ChatResponseUpdate update in ficc.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Look up q0, q1 and q2.")], new ChatOptions { Tools = [lookup] }))
    {
        _ = update;
    }
}

static double Median(List<double> values)
{
    values.Sort();
    return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
}

/// <summary>When a run started and when its first tool did.</summary>
internal sealed class Probe
{
    private long _firstTool;

    public long Start { get; } = Stopwatch.GetTimestamp();

    public double FirstToolMs => Interlocked.Read(ref _firstTool) is long t and > 0 ? Stopwatch.GetElapsedTime(Start, t).TotalMilliseconds : double.NaN;

    public void ToolStarted() => Interlocked.CompareExchange(ref _firstTool, Stopwatch.GetTimestamp(), 0);
}
