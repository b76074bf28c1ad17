using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Samples.ChatUi;

/// <summary>
/// The scenarios the sample offers: the demo's trip plan, two of its own on the scripted model (approvals, a long task
/// with progress) and the shipped latency scenarios of <c>perf/scenarios</c>.
/// </summary>
public static class SampleScenarios
{
    /// <summary>The seed of the shipped scenarios' latencies, so every run of one scenario does the same work.</summary>
    public const int Seed = 1;

    /// <summary>
    /// "travel": the conversation of <c>toolflow demo</c> (<see cref="DemoScenario"/>), a trip plan whose first
    /// response calls four read-only tools amid text that keeps streaming.
    /// </summary>
    /// <returns>The scenario.</returns>
    public static ChatScenario Travel() => new()
    {
        Name = "travel",
        Title = "Travel: the toolflow demo's trip plan (four tools amid streaming text)",
        Prompt = DemoScenario.UserPrompt,
        CreateBuilder = turn => ToolPipeline.CreateBuilder(DemoScenario.CreateModel(turn.TimeProvider))
            .WithTimeProvider(turn.TimeProvider)
            .WithStrategy(turn.Mode)
            .AddTools(DemoScenario.CreateTools(turn.TimeProvider).Select(turn.Place), ToolEffects.ReadOnly),
    };

    /// <summary>
    /// "approvals": a booking request whose response calls two tools that need the user's approval
    /// (<see cref="ToolDescriptor.RequiresApproval"/>) and one read-only tool that starts at once.
    /// </summary>
    /// <returns>The scenario.</returns>
    public static ChatScenario Approvals() => new()
    {
        Name = "approvals",
        Title = "Approvals: book a trip (two calls wait for you)",
        Prompt = "Book the morning flight to Lisbon and two nights at Casa Azul, and check the weather there.",
        CreateBuilder = turn =>
        {
            TimeProvider clock = turn.TimeProvider;
            AIFunction Slow(Delegate method, string name, string description, int ms) =>
                new SimulatedLatencyFunction(AIFunctionFactory.Create(method, name, description), TimeSpan.FromMilliseconds(ms), clock);

            return ToolPipeline.CreateBuilder(new ScriptedChatClient(ApprovalsScript, ModelOptions(clock)))
                .WithTimeProvider(clock)
                .WithStrategy(turn.Mode)
                .WithExternalApproval()
                .AddTool(new ToolDescriptor(Slow(Weather, "get_weather", "The weather forecast for a city.", 500), ToolEffects.ReadOnly))
                .AddTool(new ToolDescriptor(Slow(BookFlight, "book_flight", "Books a flight; the user must approve it.", 700), ToolEffects.SideEffecting) { RequiresApproval = true })
                .AddTool(new ToolDescriptor(Slow(BookHotel, "book_hotel", "Books a hotel; the user must approve it.", 600), ToolEffects.SideEffecting) { RequiresApproval = true });
        },
    };

    /// <summary>
    /// "long-task": a report build that takes several seconds and reports its progress section by section, then (in
    /// the next model turn) a summary of it; in futures mode the summary's argument is the build's future, so the
    /// model goes on while the build runs.
    /// </summary>
    /// <returns>The scenario.</returns>
    public static ChatScenario LongTask() => new()
    {
        Name = "long-task",
        Title = "Long task: a report build with progress, then a dependent summary",
        Prompt = "Build the Q3 sales report and summarise it for me.",
        CreateBuilder = turn =>
        {
            TimeProvider clock = turn.TimeProvider;
            bool futures = turn.Mode == ExecutionStrategy.Futures;
            AIFunction build = AIFunctionFactory.Create(
                (string quarter, IProgress<ToolProgressUpdate> progress, CancellationToken cancellationToken) => BuildReportAsync(quarter, progress, clock, cancellationToken),
                ToolProgress.BindParameters(new AIFunctionFactoryOptions { Name = "build_report", Description = "Builds a quarter's sales report, section by section." }));
            AIFunction summarize = new SimulatedLatencyFunction(
                AIFunctionFactory.Create(Summarize, "summarize_report", "Summarises a built report."), TimeSpan.FromMilliseconds(400), clock);
            return ToolPipeline.CreateBuilder(new ScriptedChatClient(m => LongTaskScript(m, futures), ModelOptions(clock)))
                .WithTimeProvider(clock)
                .WithStrategy(turn.Mode)
                .AddTool(new ToolDescriptor(build, ToolEffects.ReadOnly))
                .AddTool(new ToolDescriptor(summarize, ToolEffects.ReadOnly));
        },
    };

    /// <summary>
    /// The shipped latency scenarios in a folder (<c>perf/scenarios/*.json</c>), each run as a chat on its first
    /// conversation with <see cref="ScenarioPipeline"/>.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <returns>The scenarios, by file name; none when the folder does not exist.</returns>
    /// <exception cref="ChatUiArgumentException">A file is not a valid scenario.</exception>
    public static IReadOnlyList<ChatScenario> Shipped(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var scenarios = new List<ChatScenario>();
        foreach (string file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
        {
            Scenario scenario;
            try
            {
                scenario = ScenarioLoader.Load(file);
            }
            catch (ScenarioException e)
            {
                throw new ChatUiArgumentException($"The scenario file {file} is not valid: {e.Message}", e);
            }

            string prompt = ScenarioPipeline.Create(scenario, 0, ExecutionStrategy.Await, Seed, TimeProvider.System).Prompt;
            scenarios.Add(new ChatScenario
            {
                Name = scenario.Name,
                Title = $"{scenario.Name}: {scenario.Description}",
                Prompt = prompt,
                CreateBuilder = turn => ScenarioPipeline.Create(scenario, 0, turn.Mode, Seed, turn.TimeProvider).Builder,
            });
        }

        return scenarios;
    }

    private static ScriptedModelOptions ModelOptions(TimeProvider clock) => new()
    {
        TimeProvider = clock,
        TimeToFirstToken = TimeSpan.FromMilliseconds(250),
        TokensPerSecond = 40,
        CallShape = ScriptedToolCallShape.OpenAIDeltas,
    };

    private static ScriptedResponse ApprovalsScript(IReadOnlyList<ChatMessage> messages)
    {
        if (ScriptedChatClient.TurnOf(messages) == 1)
        {
            return new ScriptedResponse()
                .Text("Let me look at the weather in Lisbon while I prepare the bookings.")
                .Call("get_weather", """{"city": "Lisbon"}""")
                .Text(" I'd like to book TP1351 at 09:40 for you; that needs your approval.")
                .Call("book_flight", """{"flight": "TP1351", "date": "2026-11-27"}""")
                .Text(" And two nights at Casa Azul, which needs your approval too.")
                .Call("book_hotel", """{"hotel": "Casa Azul", "nights": 2}""")
                .Text(" Approve or deny each booking on its card.");
        }

        return new ScriptedResponse().Text(Outcomes(messages, "Here is where things stand. "));
    }

    private static ScriptedResponse LongTaskScript(IReadOnlyList<ChatMessage> messages, bool futures)
    {
        switch (ScriptedChatClient.TurnOf(messages))
        {
            case 1:
                return new ScriptedResponse()
                    .Text("Building the Q3 report takes a while; I'll start it now.")
                    .Call("build_report", """{"quarter": "Q3"}""")
                    .Text(" Its progress shows on the card.");
            case 2:
                // In futures mode the build may still run: pass its future and let the runtime hold only this call.
                string report = futures ? """{"$future": "call_t1_0"}""" : System.Text.Json.JsonSerializer.Serialize(ResultOf(messages, "call_t1_0") ?? "Q3 report");
                return new ScriptedResponse()
                    .Text("Now the summary, which needs the finished report.")
                    .Call("summarize_report", $$"""{"report": {{report}}}""");
            default:
                return new ScriptedResponse().Text(Outcomes(messages, "Done. "));
        }
    }

    private static string? ResultOf(IReadOnlyList<ChatMessage> messages, string callId) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault(r => r.CallId == callId)?.Result?.ToString();

    // The answer names each call's outcome, as the results the model was sent say it.
    private static string Outcomes(IReadOnlyList<ChatMessage> messages, string opening)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = new StringBuilder(opening);
        foreach (AIContent content in messages.SelectMany(m => m.Contents))
        {
            if (content is FunctionCallContent call)
            {
                names[call.CallId] = call.Name;
            }
            else if (content is FunctionResultContent result)
            {
                string value = result.Result?.ToString() ?? "no result";
                text.Append(CultureInfo.InvariantCulture, $"{names.GetValueOrDefault(result.CallId, result.CallId)}: {(value.Length > 120 ? value[..120] + "..." : value)}. ");
            }
        }

        return text.ToString().TrimEnd();
    }

    private static string Weather([Description("The city.")] string city) => $"{city}: sunny, 14 to 19 °C";

    private static string BookFlight([Description("The flight number.")] string flight, [Description("The date, yyyy-mm-dd.")] string date) =>
        $"booked {flight} on {date}, reference TF-{flight}-{date.Replace("-", string.Empty, StringComparison.Ordinal)}";

    private static string BookHotel([Description("The hotel.")] string hotel, [Description("How many nights.")] int nights) =>
        $"booked {nights} nights at {hotel}";

    private static async Task<string> BuildReportAsync(string quarter, IProgress<ToolProgressUpdate> progress, TimeProvider clock, CancellationToken cancellationToken)
    {
        const int Sections = 10;
        for (int section = 1; section <= Sections; section++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(450), clock, cancellationToken).ConfigureAwait(false);
            progress.Report(new ToolProgressUpdate(section, Sections, $"section {section} of {Sections}"));
        }

        return $"{quarter} report: revenue 4.2M EUR (+8%), 1,240 orders, best region Iberia";
    }

    private static string Summarize([Description("The report.")] string report) =>
        $"Summary: {(report.Length > 80 ? report[..80] : report)}";
}
