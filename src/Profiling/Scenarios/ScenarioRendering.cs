using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ToolFlow.Providers.Scripted;

namespace ToolFlow.Profiling;

/// <summary>
/// Turns a scenario into what the scripted model says (calls with their dependencies as <c>{"$future": id}</c>
/// arguments, or an LLMCompiler plan), and into the analytic costs: the lower bound, sequential and parallel after
/// decode.
/// </summary>
internal static partial class ScenarioRendering
{
    /// <summary>The argument every scenario call carries: its scenario id, which the tool uses to find its draw.</summary>
    public const string CallArgument = "_call";

    /// <summary>The argument that carries explicit dependencies as futures.</summary>
    public const string AfterArgument = "_after";

    /// <summary>The scripted model's speed and tokenizer for a scenario, and its call shape: fragments, then whole calls at the end.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="timeProvider">The clock it streams on.</param>
    /// <returns>The options.</returns>
    public static ScriptedModelOptions ModelOptions(Scenario scenario, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        return new ScriptedModelOptions
        {
            TimeToFirstToken = scenario.Model.TimeToFirstToken,
            TokensPerSecond = scenario.Model.TokensPerSecond,
            Tokenizer = scenario.Model.Tokenizer,
            CallShape = ScriptedToolCallShape.OpenAIDeltasThenWholeCalls,
            TimeProvider = timeProvider,
        };
    }

    /// <summary>One turn as the scripted model streams it, calls as JSON arguments with futures for dependencies.</summary>
    /// <param name="conversation">The turn's conversation.</param>
    /// <param name="turn">The turn.</param>
    /// <returns>The response.</returns>
    public static ScriptedResponse Response(ScenarioConversation conversation, ScenarioTurn turn)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(turn);
        Dictionary<string, ScenarioCall> byId = conversation.Turns.SelectMany(t => t.Calls).ToDictionary(c => c.Id, StringComparer.Ordinal);
        var response = new ScriptedResponse();
        foreach (ScenarioSegment segment in turn.Segments)
        {
            if (segment.Call is not { } call)
            {
                response.Text(segment.Text!);
                continue;
            }

            List<ScenarioCall> sameTurn = [.. turn.Calls];
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            var arguments = new JsonObject { [CallArgument] = call.Id };
            foreach ((string name, JsonNode? value) in call.Arguments)
            {
                arguments[name] = Rewrite(value, byId, sameTurn, referenced);
            }

            string[] after = [.. call.DependsOn.Where(d => !referenced.Contains(d))];
            if (after.Length > 0)
            {
                arguments[AfterArgument] = new JsonArray([.. after.Select(d => (JsonNode)Future(byId[d].RuntimeId))]);
            }

            response.Call(call.Tool, arguments.ToJsonString());
        }

        return response;
    }

    /// <summary>
    /// The LLMCompiler plan of a plan scenario's first turn: text becomes <c>Thought:</c> lines, each call a step
    /// <c>N. tool("id", ["$a", "$b"])</c> (its id, then the steps it depends on), then <c>join()</c>.
    /// </summary>
    /// <param name="conversation">The plan's conversation.</param>
    /// <returns>The plan text.</returns>
    public static string PlanText(ScenarioConversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ScenarioTurn turn = conversation.Turns[0];
        Dictionary<string, int> step = turn.Calls.Select((c, i) => (c.Id, i + 1)).ToDictionary(p => p.Id, p => p.Item2, StringComparer.Ordinal);
        var text = new StringBuilder();
        foreach (ScenarioSegment segment in turn.Segments)
        {
            if (segment.Call is not { } call)
            {
                text.Append("Thought: ").Append(segment.Text!.Trim().ReplaceLineEndings(" ")).Append('\n');
                continue;
            }

            text.Append(CultureInfo.InvariantCulture, $"{step[call.Id]}. {call.Tool}({JsonSerializer.Serialize(call.Id)}");
            if (call.DependsOn.Count > 0)
            {
                text.Append(", [").AppendJoin(", ", call.DependsOn.Select(d => $"\"${step[d]}\"")).Append(']');
            }

            text.Append(")\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"{step.Count + 1}. join()<END_OF_PLAN>");
        return text.ToString();
    }

    /// <summary>Each turn of a conversation as the lower bound sees it, with this draw's durations.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="conversationIndex">The conversation's position.</param>
    /// <param name="realization">The draw.</param>
    /// <returns>The turns.</returns>
    public static IReadOnlyList<TurnPlan> TurnPlans(Scenario scenario, int conversationIndex, ScenarioRealization realization)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(realization);
        ScenarioConversation conversation = scenario.Conversations[conversationIndex];
        ScriptedModelOptions options = ModelOptions(scenario, TimeProvider.System);
        var plans = new List<TurnPlan>();
        for (int t = 0; t < conversation.Turns.Count; t++)
        {
            ScenarioTurn turn = conversation.Turns[t];
            ScriptedStream stream = ScriptedStream.Render(Response(conversation, turn), options, $"call_t{t + 1}_");
            List<ScenarioCall> calls = [.. turn.Calls];
            plans.Add(new TurnPlan(stream.DecodeDuration, [.. calls.Select((c, i) => new PlannedCall(stream.CallClosedOffsets[i], realization.Of(conversationIndex, c.Id).Duration)
            {
                DependsOn = [.. c.DependsOn.Select(d => calls.FindIndex(x => x.Id == d)).Where(x => x >= 0)],
            })]));
        }

        return plans;
    }

    /// <summary>The scenario's lower bound: the latest of its conversations' starts plus their bounds.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="realization">The draw.</param>
    /// <returns>The bound, from the scenario's start.</returns>
    public static TimeSpan LowerBoundOf(Scenario scenario, ScenarioRealization realization) => Latest(scenario, realization, LowerBound.Of);

    /// <summary>What sequential after decode costs, analytically.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="realization">The draw.</param>
    /// <returns>The cost, from the scenario's start.</returns>
    public static TimeSpan SequentialCostOf(Scenario scenario, ScenarioRealization realization) => Latest(scenario, realization, LowerBound.SequentialAfterDecode);

    /// <summary>What parallel after decode costs, analytically.</summary>
    /// <param name="scenario">The scenario.</param>
    /// <param name="realization">The draw.</param>
    /// <returns>The cost, from the scenario's start.</returns>
    public static TimeSpan AfterDecodeCostOf(Scenario scenario, ScenarioRealization realization) => Latest(scenario, realization, LowerBound.ParallelAfterDecode);

    private static TimeSpan Latest(Scenario scenario, ScenarioRealization realization, Func<IEnumerable<TurnPlan>, TimeSpan> cost)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        TimeSpan end = TimeSpan.Zero;
        for (int c = 0; c < scenario.Conversations.Count; c++)
        {
            TimeSpan done = scenario.Conversations[c].Start + cost(TurnPlans(scenario, c, realization));
            end = done > end ? done : end;
        }

        return end;
    }

    private static JsonObject Future(string runtimeId) => new() { ["$future"] = runtimeId };

    private static JsonNode? Rewrite(JsonNode? node, Dictionary<string, ScenarioCall> byId, List<ScenarioCall> sameTurn, HashSet<string> referenced)
    {
        switch (node)
        {
            case JsonObject o when o.Count == 1 && o["$future"] is JsonValue v && v.TryGetValue(out string? target) && byId.TryGetValue(target, out ScenarioCall? call):
                referenced.Add(call.Id);
                return Future(call.RuntimeId);
            case JsonObject o:
                var copy = new JsonObject();
                foreach ((string key, JsonNode? child) in o)
                {
                    copy[key] = Rewrite(child, byId, sameTurn, referenced);
                }

                return copy;
            case JsonArray a:
                return new JsonArray([.. a.Select(x => Rewrite(x, byId, sameTurn, referenced))]);
            case JsonValue v when v.TryGetValue(out string? s) && StepReference().Match(s) is { Success: true } m
                && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) is int step && step >= 1 && step <= sameTurn.Count:
                referenced.Add(sameTurn[step - 1].Id);
                return Future(sameTurn[step - 1].RuntimeId);
            default:
                return node?.DeepClone();
        }
    }

    [GeneratedRegex(@"^\$\{?(\d+)\}?$")]
    private static partial Regex StepReference();
}
