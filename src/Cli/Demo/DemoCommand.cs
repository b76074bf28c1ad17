using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using ToolFlow.Blocks;
using ToolFlow.Cli.Calls;
using ToolFlow.Cli.Run;
using ToolFlow.Profiling;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Cli.Demo;

/// <summary><c>toolflow demo [--json] [--shape openai|hermes] [--no-compare]</c>.</summary>
internal static class DemoCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = false };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON summary: ToolFlow's timeline, the lower bound, and the measured after-decode and sequential baselines." };
        var shape = new Option<string>("--shape") { Description = "How the scripted model writes calls: openai (argument deltas) or hermes (<tool_call> text).", DefaultValueFactory = _ => "openai" };
        shape.AcceptOnlyFromAmong("openai", "hermes");
        var noCompare = new Option<bool>("--no-compare") { Description = "Skip the baseline runs after the live view." };
        var command = new Command("demo", "Run a multi-tool conversation on the embedded scripted model, with a live view.") { json, shape, noCompare, OtlpExport.CreateOption() };
        command.SetAction(async (parse, cancellationToken) =>
        {
            ScriptedToolCallShape callShape = parse.GetValue(shape) == "hermes" ? ScriptedToolCallShape.HermesText : ScriptedToolCallShape.OpenAIDeltas;
            return parse.GetValue(json)
                ? await RunJsonAsync(callShape, Console.Out, TimeProvider.System, TaskScheduler.Default, cancellationToken)
                : await RunLiveAsync(ConsoleFor(Console.Out, Console.IsOutputRedirected), callShape, !parse.GetValue(noCompare), TimeProvider.System, null, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// The console the live view draws on: the terminal's own, or, when the output is redirected, one that writes
    /// plain text (no colour, no cursor moves, not interactive), whatever TERM claims.
    /// </summary>
    internal static IAnsiConsole ConsoleFor(TextWriter output, bool redirected) => !redirected
        ? AnsiConsole.Console
        : AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });

    internal static async Task<int> RunJsonAsync(ScriptedToolCallShape shape, TextWriter output, TimeProvider timeProvider, TaskScheduler scheduler, CancellationToken cancellationToken)
    {
        if (timeProvider == TimeProvider.System)
        {
            await WarmUpAsync(shape, cancellationToken);
        }

        DemoRun toolFlow = await DemoRunner.RunAsync(ExecutionStrategy.Await, timeProvider, shape, null, cancellationToken, scheduler);
        DemoRun afterDecode = await DemoRunner.RunAsync(ExecutionStrategy.AfterDecode, timeProvider, shape, null, cancellationToken, scheduler);
        DemoRun sequential = await DemoRunner.RunAsync(ExecutionStrategy.Sequential, timeProvider, shape, null, cancellationToken, scheduler);
        await output.WriteLineAsync(JsonSerializer.Serialize(DemoSummary.From(toolFlow, afterDecode, sequential), s_json));
        return 0;
    }

    /// <summary>Runs every strategy once at 200x speed, so the measured runs do not pay for first-call JIT.</summary>
    private static async Task WarmUpAsync(ScriptedToolCallShape shape, CancellationToken cancellationToken)
    {
        foreach (ExecutionStrategy strategy in DemoRunner.Strategies)
        {
            await DemoRunner.RunAsync(strategy, new AcceleratedTimeProvider(TimeProvider.System, 200), shape, null, cancellationToken);
        }
    }

    /// <summary>
    /// Runs the demo with its view: on a terminal, a live table redrawn as calls change; in a pipe (where nothing can
    /// be redrawn), a line per change, as <c>toolflow run</c> writes them, then the table as it ended.
    /// </summary>
    internal static async Task<int> RunLiveAsync(IAnsiConsole console, ScriptedToolCallShape shape, bool compare, TimeProvider timeProvider, TaskScheduler? scheduler, CancellationToken cancellationToken)
    {
        if (timeProvider == TimeProvider.System)
        {
            await WarmUpAsync(shape, cancellationToken);
        }

        console.MarkupLine($"[bold]User:[/] {Markup.Escape(DemoScenario.UserPrompt)}");
        console.WriteLine();
        var view = new LiveView();
        DemoRun toolFlow = null!;
        if (console.Profile.Capabilities.Interactive)
        {
            await console.Live(view.Render()).AutoClear(false).StartAsync(async context =>
            {
                long lastRender = 0;
                toolFlow = await DemoRunner.RunAsync(ExecutionStrategy.Await, timeProvider, shape, e =>
                {
                    view.Apply(e);

                    // Text redraws at most 30 times a second; a call's state change always redraws.
                    if (e is not (TextDelta or ToolArgumentsDelta) || timeProvider.GetElapsedTime(lastRender) >= TimeSpan.FromMilliseconds(33))
                    {
                        lastRender = timeProvider.GetTimestamp();
                        context.UpdateTarget(view.Render());
                    }
                }, cancellationToken, scheduler);
                context.UpdateTarget(view.Render());
            });
        }
        else
        {
            var lines = new RunView(console.Profile.Out.Writer, color: false, showReasoning: false);
            toolFlow = await DemoRunner.RunAsync(ExecutionStrategy.Await, timeProvider, shape, e =>
            {
                view.Apply(e);
                lines.Apply(e);
            }, cancellationToken, scheduler);
            console.Write(CallRenderer.Table(view.Calls.Rows));
        }

        if (!compare)
        {
            return 0;
        }

        DemoRun afterDecode = null!;
        DemoRun sequential = null!;
        await console.Status().StartAsync("Measuring the same conversation with calls held until the response ends...", async context =>
        {
            afterDecode = await DemoRunner.RunAsync(ExecutionStrategy.AfterDecode, timeProvider, shape, null, cancellationToken, scheduler);
            context.Status("...and with calls run one at a time after the response...");
            sequential = await DemoRunner.RunAsync(ExecutionStrategy.Sequential, timeProvider, shape, null, cancellationToken, scheduler);
        });

        var table = new Table().Title("End to end, same conversation, same clock").AddColumns("Strategy", "End to end", "vs lower bound", "vs ToolFlow");
        table.AddRow("lower bound", $"{toolFlow.LowerBoundMs:F0} ms", "1.00x", string.Empty);
        foreach ((string name, DemoRun run) in new[] { ("ToolFlow (await)", toolFlow), ("parallel after decode", afterDecode), ("sequential after decode", sequential) })
        {
            table.AddRow(name, $"{run.EndToEndMs:F0} ms", $"{run.EndToEndMs / toolFlow.LowerBoundMs:F2}x", $"{run.EndToEndMs / toolFlow.EndToEndMs:F2}x");
        }

        console.Write(table);
        return 0;
    }
}
