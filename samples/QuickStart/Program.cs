// The README's example: a pipeline with one tool and one block of your own, on the embedded scripted model.
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

IChatClient model = new ScriptedChatClient(
[
    new ScriptedResponse().Text("Checking.").Call("get_weather", """{"city": "Paris"}""").Text(" One moment while it runs."),
    new ScriptedResponse().Text("It is sunny in Paris."),
]);

// A block of your own between parse and execute, made anew for each run: it logs each call the instant it closes.
static IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent> Audit() => new TransformBlock<ToolPipelineEvent, ToolPipelineEvent>(e =>
{
    if (e is ToolCallClosed closed)
    {
        Console.WriteLine($"[audit] {closed.Call.Name}({closed.Call.ArgumentsJson})");
    }

    return e;
});

ToolPipeline pipeline = ToolPipeline.CreateBuilder(model)
    .AddTool(AIFunctionFactory.Create((string city) => $"Sunny in {city}", "get_weather"), ToolEffects.ReadOnly)
    .WithMaxConcurrency(8)
    .InsertAfter(ToolPipelineStage.Parse, Audit)
    .Build();

await foreach (ToolPipelineEvent e in pipeline.RunAsync([new(ChatRole.User, "Weather in Paris?")]))
{
    // Only the events worth a line are printed; the rest (text deltas, turns, ...) pass by.
    string? line = e switch
    {
        ToolCallStarted s => $"{s.Call.Name} started mid-decode",
        ToolCallCompleted c => $"{c.Call.Name} -> {c.Result}",
        RunCompleted r => $"answer: {r.FinalText}",
        _ => null,
    };
    if (line is not null)
    {
        Console.WriteLine(line);
    }
}
