using System.Text;
using Microsoft.Extensions.AI;
using ToolFlow.AspNetCore;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.ChatLoad;

/// <summary>
/// What every conversation of the load runs, on the scripted model and the real clock: a turn of text with three
/// read-only tool calls (one reporting progress), then an answer. A conversation created with the
/// <see cref="LongSetting"/> scenario answers at length, fast, so a client that stops reading falls behind.
/// </summary>
public sealed class LoadScenario
{
    /// <summary>The settings key that picks the scenario.</summary>
    public const string SettingKey = "scenario";

    /// <summary>The scenario of a stalled client's conversation.</summary>
    public const string LongSetting = "long";

    /// <summary>The scenario of a reading client's conversation.</summary>
    public const string NormalSetting = "load";

    private static readonly string[] s_words = ["the", "flow", "of", "calls", "starts", "while", "text", "streams", "and", "results", "merge", "back"];

    private readonly ToolDescriptor[] _tools;
    private readonly ScriptedModelOptions _normal;
    private readonly ScriptedModelOptions _long;
    private readonly ScriptedResponse _answer;
    private readonly ScriptedResponse _longAnswer;

    /// <summary>Initializes the scenario.</summary>
    /// <param name="options">The speeds and sizes.</param>
    /// <param name="timeProvider">The clock the model and tools pace on.</param>
    public LoadScenario(ChatLoadOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeSpan delay = options.ToolDelay;
        _tools =
        [
            new ToolDescriptor(new SimulatedLatencyFunction(AIFunctionFactory.Create((string query) => $"{query}: 42 results", "lookup"), delay, timeProvider), ToolEffects.ReadOnly),
            new ToolDescriptor(new SimulatedLatencyFunction(AIFunctionFactory.Create((string url) => $"<html>{url}</html>", "fetch"), delay, timeProvider), ToolEffects.ReadOnly),
            new ToolDescriptor(
                AIFunctionFactory.Create(
                    async (string topic, IProgress<ToolProgressUpdate> progress, CancellationToken cancellationToken) =>
                    {
                        progress.Report(new(0, 2, "reading"));
                        await Task.Delay(delay / 2, timeProvider, cancellationToken).ConfigureAwait(false);
                        progress.Report(new(1, 2, "writing"));
                        await Task.Delay(delay / 2, timeProvider, cancellationToken).ConfigureAwait(false);
                        return $"A summary of {topic}.";
                    },
                    ToolProgress.BindParameters(new AIFunctionFactoryOptions { Name = "summarize" })),
                ToolEffects.ReadOnly),
        ];
        _normal = new ScriptedModelOptions { TimeToFirstToken = options.TimeToFirstToken, TokensPerSecond = options.TokensPerSecond, TimeProvider = timeProvider };
        _long = new ScriptedModelOptions { TimeToFirstToken = options.TimeToFirstToken, TokensPerSecond = options.StalledTokensPerSecond, TimeProvider = timeProvider };
        _answer = new ScriptedResponse().Text("Here is what I found: " + Words(40) + ".");
        _longAnswer = new ScriptedResponse().Text("Here is everything I found: " + Words(options.StalledAnswerWords) + ".");
    }

    /// <summary>The pipeline for one turn of a conversation (what <c>MapToolPipelineChat</c> is given).</summary>
    /// <param name="context">The conversation and turn.</param>
    /// <returns>A pipeline on a new scripted model (a model keeps every stream it sent, so none is shared across turns).</returns>
    public ToolPipeline CreatePipeline(ToolPipelineChatContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        bool isLong = context.Settings.TryGetValue(SettingKey, out string? scenario) && scenario == LongSetting;
        ScriptedResponse answer = isLong ? _longAnswer : _answer;
        var model = new ScriptedChatClient(messages => messages[^1].Role == ChatRole.Tool ? answer : Calls(context.Turn), isLong ? _long : _normal);
        return ToolPipeline.CreateBuilder(model).AddTools(_tools).Build();
    }

    private static ScriptedResponse Calls(int turn) => new ScriptedResponse()
        .Text("Let me check a few sources for that. ")
        .Call("lookup", $$"""{"query": "question {{turn}}"}""")
        .Text("Meanwhile I read the page itself. ")
        .Call("fetch", $$"""{"url": "https://example.org/{{turn}}"}""")
        .Call("summarize", $$"""{"topic": "turn {{turn}}"}""")
        .Text(" One moment while they run.");

    private static string Words(int count)
    {
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            text.Append(i == 0 ? string.Empty : " ").Append(s_words[i % s_words.Length]);
        }

        return text.ToString();
    }
}
