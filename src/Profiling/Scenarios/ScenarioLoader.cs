using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ToolFlow.Blocks;
using ToolFlow.Tokenizers;

namespace ToolFlow.Profiling;

/// <summary>
/// Reads scenario files (schema in <c>perf/scenarios/README.md</c>). Every error is a <see cref="ScenarioException"/>
/// naming the file and the JSON path of the field: unknown tools, cyclic or forward dependencies, numbers outside their
/// range (the limits are the constants below; a time is from 0 to one day), text that is not UTF-8, an unknown
/// tokenizer, missing or mistyped fields.
/// </summary>
public static partial class ScenarioLoader
{
    /// <summary>The largest time a scenario may give (a latency, delay, start offset or first-token time): one day, in milliseconds.</summary>
    public const double MaxMilliseconds = 24 * 60 * 60 * 1000;

    /// <summary>The largest decode speed, in tokens per second.</summary>
    public const double MaxTokensPerSecond = 1_000_000;

    /// <summary>The largest count a scenario may give (<c>maxRetries</c>, <c>failAttempts</c>).</summary>
    public const int MaxCount = 1000;

    /// <summary>The largest latency multiplier or spread (<c>tailFactor</c>, <c>sigma</c>).</summary>
    public const double MaxFactor = 1000;

    /// <summary>The most calls in one conversation, and the most conversations in one scenario.</summary>
    public const int MaxItems = 10_000;

    /// <summary>The tokenizer a scenario's model streams in when its <c>model.tokenizer</c> names none: <c>o200k_base</c>.</summary>
    public const string DefaultTokenizer = "o200k_base";

    /// <summary>Loads a scenario file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The scenario.</returns>
    /// <exception cref="ScenarioException">The file is not a valid scenario.</exception>
    public static Scenario Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string json;
        int bom = 0;
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            bom = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes.AsSpan(bom));
        }
        catch (IOException e)
        {
            throw new ScenarioException($"{path}: cannot read the scenario: {e.Message}", e);
        }
        catch (DecoderFallbackException e)
        {
            // A silent U+FFFD would change a tool name or an argument without a word.
            throw new ScenarioException($"{path}: not valid UTF-8 at byte {bom + e.Index}; save the file as UTF-8.", e);
        }

        return Parse(json, path);
    }

    /// <summary>Reads a scenario from JSON text.</summary>
    /// <param name="json">The text.</param>
    /// <param name="source">The file name to use in messages.</param>
    /// <returns>The scenario.</returns>
    /// <exception cref="ScenarioException">The text is not a valid scenario.</exception>
    public static Scenario Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ScenarioException($"{source}: not valid JSON: {e.Message}", e);
        }

        return new Reader(source).Scenario(root as JsonObject ?? throw new ScenarioException(source, "$", "a scenario is a JSON object"));
    }

    [GeneratedRegex(@"^\$\{?(\d+)\}?$")]
    private static partial Regex PlanStepReference();

    private sealed class Reader(string source)
    {
        private ScenarioException Error(string path, string problem) => new(source, path, problem);

        public Scenario Scenario(JsonObject root)
        {
            string name = OptionalString(root, "name", "$") ?? Path.GetFileNameWithoutExtension(source);
            string description = OptionalString(root, "description", "$") ?? string.Empty;
            JsonObject model = RequiredObject(root, "model", "$");
            double ttft = Milliseconds(model, "timeToFirstTokenMs", "$.model", 0);
            double tps = Number(model, "tokensPerSecond", "$.model", null);
            if (!(tps > 0 && tps <= MaxTokensPerSecond))
            {
                throw Error("$.model.tokensPerSecond", $"the decode speed must be above 0 and at most {Format(MaxTokensPerSecond)} tokens per second ({Format(tps)})");
            }

            var tools = new Dictionary<string, ScenarioTool>(StringComparer.Ordinal);
            foreach ((string toolName, JsonNode? node) in RequiredObject(root, "tools", "$"))
            {
                string path = $"$.tools.{toolName}";
                tools[toolName] = Tool(toolName, node as JsonObject ?? throw Error(path, "a tool is a JSON object"), path);
            }

            var conversations = new List<ScenarioConversation>();
            if (root["conversations"] is JsonArray array)
            {
                for (int i = 0; i < array.Count; i++)
                {
                    string path = $"$.conversations[{i}]";
                    if (i == MaxItems)
                    {
                        throw Error("$.conversations", $"a scenario has at most {MaxItems} conversations ({array.Count})");
                    }

                    conversations.Add(Conversation(array[i] as JsonObject ?? throw Error(path, "a conversation is a JSON object"), path, $"c{i + 1}", tools));
                }
            }
            else if (root["turns"] is not null)
            {
                conversations.Add(Conversation(root, "$", "main", tools));
            }

            if (conversations.Count == 0)
            {
                throw Error("$.conversations", "a scenario needs \"turns\" or at least one entry in \"conversations\"");
            }

            bool plan = root["plan"] is JsonValue p && p.TryGetValue(out bool isPlan) && isPlan;
            if (plan)
            {
                ValidatePlan(conversations);
            }

            return new Scenario(name, description, source, new ScenarioModel(TimeSpan.FromMilliseconds(ttft), tps, Tokenizer(model, "$.model")), tools, conversations, plan);
        }

        // The model's tokenizer (issue 15): its real tokens set the stream's pieces and, at tokensPerSecond, its decode time.
        private ITokenCounter Tokenizer(JsonObject model, string path)
        {
            string name = OptionalString(model, "tokenizer", path) ?? DefaultTokenizer;
            try
            {
                return TiktokenCounter.FromName(name);
            }
            catch (ArgumentException)
            {
                throw Error($"{path}.tokenizer", $"unknown tokenizer '{name}'; the tokenizers are: {string.Join(", ", TiktokenCounter.KnownNames)}");
            }
        }

        private void ValidatePlan(List<ScenarioConversation> conversations)
        {
            if (conversations.Count != 1 || conversations[0].Turns.Count != 2)
            {
                throw Error("$.plan", "a plan scenario has one conversation of two turns: the plan's calls, then the answer");
            }
        }

        private ScenarioTool Tool(string name, JsonObject tool, string path)
        {
            LatencyDistribution latency = Latency(RequiredObject(tool, "latency", path), $"{path}.latency");
            double probability = 0;
            int retries = 0;
            double baseDelay = 100;
            if (tool["failures"] is JsonObject failures)
            {
                probability = Ranged(failures, "probability", $"{path}.failures", 0, 1, "a probability", 0);
            }

            if (tool["retry"] is JsonObject retry)
            {
                retries = Count(retry, "maxRetries", $"{path}.retry", 3);
                baseDelay = Milliseconds(retry, "baseDelayMs", $"{path}.retry", 100);
            }

            return new ScenarioTool(name, latency, probability, retries, TimeSpan.FromMilliseconds(baseDelay)) { Overload = Overload(tool, path) };
        }

        // "overload": {"capacity": N (required, 1 to MaxCount), "growth": 0 to MaxFactor (default 0), "retryAfterMs": a time (default 200)}.
        private ScenarioOverload? Overload(JsonObject tool, string path)
        {
            switch (tool["overload"])
            {
                case null:
                    return null;
                case JsonObject overload:
                    path += ".overload";
                    int capacity = overload["capacity"] is null ? throw Error($"{path}.capacity", "is required") : Count(overload, "capacity", path, 0);
                    if (capacity < 1)
                    {
                        throw Error($"{path}.capacity", "a capacity is at least 1 (0)");
                    }

                    double growth = Ranged(overload, "growth", path, 0, MaxFactor, "a growth per extra call", 0);
                    double retryAfter = Milliseconds(overload, "retryAfterMs", path, 200);
                    return new ScenarioOverload(capacity, growth, TimeSpan.FromMilliseconds(retryAfter));
                default:
                    throw Error($"{path}.overload", "an overload is a JSON object");
            }
        }

        private LatencyDistribution Latency(JsonObject latency, string path)
        {
            string kind = OptionalString(latency, "kind", path) ?? "fixed";
            double NonNegative(string field, double? fallback) => Milliseconds(latency, field, path, fallback);

            double tailP = Ranged(latency, "tailProbability", path, 0, 1, "a probability", 0);
            double tailFactor = Ranged(latency, "tailFactor", path, 1, MaxFactor, "a latency multiplier", 1);
            LatencyDistribution result = kind switch
            {
                "fixed" => new LatencyDistribution(LatencyKind.Fixed, Ms: NonNegative("ms", null)),
                "uniform" => new LatencyDistribution(LatencyKind.Uniform, MinMs: NonNegative("minMs", null), MaxMs: NonNegative("maxMs", null)),
                "lognormal" => new LatencyDistribution(LatencyKind.LogNormal, MedianMs: NonNegative("medianMs", null), Sigma: Ranged(latency, "sigma", path, 0, MaxFactor, "a spread", 0.5)),
                _ => throw Error($"{path}.kind", $"unknown latency kind '{kind}'; the kinds are fixed, uniform, lognormal"),
            };
            if (result.Kind == LatencyKind.Uniform && result.MaxMs < result.MinMs)
            {
                throw Error($"{path}.maxMs", $"maxMs ({Format(result.MaxMs)}) is below minMs ({Format(result.MinMs)})");
            }

            return result with { TailProbability = tailP, TailFactor = tailFactor };
        }

        private ScenarioConversation Conversation(JsonObject conversation, string path, string defaultName, Dictionary<string, ScenarioTool> tools)
        {
            string name = OptionalString(conversation, "name", path) ?? defaultName;
            double start = Milliseconds(conversation, "startMs", path, 0);

            string prompt = OptionalString(conversation, "prompt", path) ?? "Go.";
            JsonArray turnsArray = conversation["turns"] as JsonArray ?? throw Error($"{path}.turns", "expected an array of turns");
            if (turnsArray.Count == 0)
            {
                throw Error($"{path}.turns", "a conversation needs at least one turn");
            }

            var calls = new Dictionary<string, ScenarioCall>(StringComparer.Ordinal);
            var order = new List<ScenarioCall>();
            var rawTurns = new List<List<(string? Text, JsonObject? Call, string Path)>>();
            for (int t = 0; t < turnsArray.Count; t++)
            {
                string turnPath = $"{path}.turns[{t}]";
                JsonArray segments = turnsArray[t] switch
                {
                    JsonArray a => a,
                    JsonObject o when o["segments"] is JsonArray a => a,
                    _ => throw Error(turnPath, "a turn is an array of segments, or an object with \"segments\""),
                };
                string segmentsPath = turnsArray[t] is JsonArray ? turnPath : $"{turnPath}.segments";
                var raw = new List<(string?, JsonObject?, string)>();
                for (int s = 0; s < segments.Count; s++)
                {
                    string segmentPath = $"{segmentsPath}[{s}]";
                    JsonObject segment = segments[s] as JsonObject ?? throw Error(segmentPath, "a segment is {\"text\": ...} or {\"call\": ...}");
                    if (segment["text"] is JsonNode text)
                    {
                        raw.Add((text.GetValueKind() == JsonValueKind.String ? text.GetValue<string>() : throw Error($"{segmentPath}.text", "expected a string"), null, segmentPath));
                    }
                    else if (segment["call"] is not null)
                    {
                        raw.Add((null, segment, segmentPath));
                    }
                    else
                    {
                        throw Error(segmentPath, "a segment is {\"text\": ...} or {\"call\": ...}");
                    }
                }

                rawTurns.Add(raw);
            }

            // First pass: ids, tools, positions.
            var pending = new List<(ScenarioCall Call, JsonObject Source)>();
            for (int t = 0; t < rawTurns.Count; t++)
            {
                int index = 0;
                foreach ((string? _, JsonObject? call, string segmentPath) in rawTurns[t])
                {
                    if (call is null)
                    {
                        continue;
                    }

                    if (order.Count == MaxItems)
                    {
                        throw Error(segmentPath, $"a conversation has at most {MaxItems} calls");
                    }

                    string tool = RequiredString(call, "call", segmentPath);
                    if (!tools.ContainsKey(tool))
                    {
                        throw Error($"{segmentPath}.call", $"unknown tool '{tool}'; the tools are: {string.Join(", ", tools.Keys.Order(StringComparer.Ordinal))}");
                    }

                    string id = OptionalString(call, "id", segmentPath) ?? $"t{t + 1}c{index + 1}";
                    if (calls.ContainsKey(id))
                    {
                        throw Error($"{segmentPath}.id", $"the id '{id}' is already used in this conversation");
                    }

                    JsonObject arguments = call["arguments"] switch
                    {
                        null => [],
                        JsonObject o => (JsonObject)o.DeepClone(),
                        _ => throw Error($"{segmentPath}.arguments", "arguments are a JSON object"),
                    };
                    int failAttempts = Count(call, "failAttempts", segmentPath, 0);
                    TimeSpan? latency = call["latencyMs"] is null ? null : TimeSpan.FromMilliseconds(Milliseconds(call, "latencyMs", segmentPath, null));

                    var scenarioCall = new ScenarioCall(id, tool, arguments, t + 1, index++, [], failAttempts, latency, segmentPath);
                    calls[id] = scenarioCall;
                    order.Add(scenarioCall);
                    pending.Add((scenarioCall, call));
                }
            }

            // Second pass: dependencies from references and explicit lists.
            foreach ((ScenarioCall call, JsonObject source) in pending)
            {
                var deps = new List<(string Id, string Path)>();
                List<ScenarioCall> sameTurn = [.. order.Where(c => c.Turn == call.Turn)];
                CollectReferences(call.Arguments, $"{call.FieldPath}.arguments", sameTurn, deps);
                if (source["dependsOn"] is JsonArray explicitDeps)
                {
                    for (int i = 0; i < explicitDeps.Count; i++)
                    {
                        string depPath = $"{call.FieldPath}.dependsOn[{i}]";
                        deps.Add((explicitDeps[i] is JsonValue v && v.TryGetValue(out string? dep) ? dep : throw Error(depPath, "a dependency is a call id (a string)"), depPath));
                    }
                }
                else if (source["dependsOn"] is not null)
                {
                    throw Error($"{call.FieldPath}.dependsOn", "expected an array of call ids");
                }

                foreach ((string dep, string depPath) in deps)
                {
                    if (!calls.ContainsKey(dep))
                    {
                        throw Error(depPath, $"refers to '{dep}', which is not a call of this conversation");
                    }
                }

                ScenarioCall resolved = call with { DependsOn = [.. deps.Select(d => d.Id).Distinct(StringComparer.Ordinal)] };
                calls[call.Id] = resolved;
                int at = order.IndexOf(call);
                order[at] = resolved;
                // A call may name a dependency twice (a future in its arguments and in dependsOn): the first place is kept.
                _depPaths[resolved.Id] = deps.DistinctBy(d => d.Id, StringComparer.Ordinal).ToDictionary(d => d.Id, d => d.Path, StringComparer.Ordinal);
            }

            CheckCycles(calls);
            foreach (ScenarioCall call in order)
            {
                foreach (string dep in call.DependsOn)
                {
                    ScenarioCall target = calls[dep];
                    if (target.Turn > call.Turn || (target.Turn == call.Turn && target.Index > call.Index))
                    {
                        throw Error(_depPaths[call.Id][dep], $"refers to '{dep}', which the model writes later; a call can only depend on earlier calls");
                    }
                }
            }

            var turns = new List<ScenarioTurn>();
            for (int t = 0; t < rawTurns.Count; t++)
            {
                var segments = new List<ScenarioSegment>();
                int index = 0;
                foreach ((string? text, JsonObject? call, string _) in rawTurns[t])
                {
                    if (call is null)
                    {
                        segments.Add(new ScenarioSegment(text, null));
                        continue;
                    }

                    int at = index++;
                    int turnNumber = t + 1;
                    segments.Add(new ScenarioSegment(null, order.First(c => c.Turn == turnNumber && c.Index == at)));
                }

                turns.Add(new ScenarioTurn(segments));
            }

            if (turns[^1].Calls.Any())
            {
                throw Error($"{path}.turns[{turns.Count - 1}]", "the last turn is the model's answer: it must not call tools");
            }

            return new ScenarioConversation(name, TimeSpan.FromMilliseconds(start), prompt, turns);
        }

        private readonly Dictionary<string, Dictionary<string, string>> _depPaths = new(StringComparer.Ordinal);

        private void CheckCycles(Dictionary<string, ScenarioCall> calls)
        {
            var state = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new List<string>();
            void Visit(string id)
            {
                state[id] = 1;
                stack.Add(id);
                foreach (string dep in calls[id].DependsOn)
                {
                    if (state.GetValueOrDefault(dep) == 1)
                    {
                        int from = stack.IndexOf(dep);
                        string cycle = string.Join(" -> ", stack.Skip(from).Append(dep));
                        throw Error(_depPaths[id][dep], $"cyclic dependency: {cycle}");
                    }

                    if (state.GetValueOrDefault(dep) == 0)
                    {
                        Visit(dep);
                    }
                }

                stack.RemoveAt(stack.Count - 1);
                state[id] = 2;
            }

            foreach (string id in calls.Keys)
            {
                if (state.GetValueOrDefault(id) == 0)
                {
                    Visit(id);
                }
            }
        }

        private void CollectReferences(JsonNode? node, string path, List<ScenarioCall> sameTurn, List<(string Id, string Path)> deps)
        {
            switch (node)
            {
                case JsonObject o when o.Count == 1 && o["$future"] is JsonValue v:
                    deps.Add((v.TryGetValue(out string? target) ? target : throw Error($"{path}.$future", "a future names a call id (a string)"), $"{path}.$future"));
                    break;
                case JsonObject o:
                    foreach ((string key, JsonNode? child) in o)
                    {
                        CollectReferences(child, $"{path}.{key}", sameTurn, deps);
                    }

                    break;
                case JsonArray a:
                    for (int i = 0; i < a.Count; i++)
                    {
                        CollectReferences(a[i], $"{path}[{i}]", sameTurn, deps);
                    }

                    break;
                case JsonValue v when v.TryGetValue(out string? s) && PlanStepReference().Match(s) is { Success: true } m:
                    int step = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                    deps.Add((step >= 1 && step <= sameTurn.Count ? sameTurn[step - 1].Id : $"${step}", path));
                    break;
            }
        }

        private JsonObject RequiredObject(JsonObject parent, string field, string path) =>
            parent[field] as JsonObject ?? throw Error($"{path}.{field}", parent[field] is null ? "is required" : "expected a JSON object");

        private string RequiredString(JsonObject parent, string field, string path) =>
            OptionalString(parent, field, path) ?? throw Error($"{path}.{field}", "is required");

        private string? OptionalString(JsonObject parent, string field, string path) => parent[field] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? s) => s,
            _ => throw Error($"{path}.{field}", "expected a string"),
        };

        private double Number(JsonObject parent, string field, string path, double? fallback) => parent[field] switch
        {
            null => fallback ?? throw Error($"{path}.{field}", "is required"),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d)
                ? d
                : throw Error($"{path}.{field}", $"the number {v.ToJsonString()} is out of range"),
            _ => throw Error($"{path}.{field}", "expected a number"),
        };

        private double Ranged(JsonObject parent, string field, string path, double min, double max, string what, double? fallback)
        {
            double value = Number(parent, field, path, fallback);
            return value >= min && value <= max ? value : throw Error($"{path}.{field}", $"{what} is from {Format(min)} to {Format(max)} ({Format(value)})");
        }

        private double Milliseconds(JsonObject parent, string field, string path, double? fallback) =>
            Ranged(parent, field, path, 0, MaxMilliseconds, "a time in milliseconds", fallback);

        private int Count(JsonObject parent, string field, string path, int fallback)
        {
            double value = Ranged(parent, field, path, 0, MaxCount, "a count", fallback);
            return value == Math.Floor(value) ? (int)value : throw Error($"{path}.{field}", $"a count is a whole number ({Format(value)})");
        }

        private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
    }
}
