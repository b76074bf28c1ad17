using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>
/// The shape of a mock tool's output, or of one field in it: a leaf of a spec type, an object with fields, or an
/// array whose items have a shape. Built from the spec's <c>output_parameters</c> and from every path the set's
/// references take into the tool's results, so each of those paths exists.
/// </summary>
internal sealed class NestfulShape
{
    /// <summary>The spec's type, normalized: string, number, integer, boolean, array, object; null when unknown.</summary>
    public string? Type { get; set; }

    public Dictionary<string, NestfulShape> Fields { get; } = new(StringComparer.Ordinal);

    public NestfulShape? Element { get; set; }

    public int Length { get; set; }

    public NestfulShape Field(string name)
    {
        if (!Fields.TryGetValue(name, out NestfulShape? field))
        {
            Fields[name] = field = new NestfulShape();
        }

        return field;
    }

    /// <summary>
    /// A deterministic value of this shape. Leaves are placeholders derived from the tool, the path and a digest of
    /// the call's arguments, so two calls to one tool with different arguments return different values.
    /// </summary>
    public JsonNode? Value(string path, string digest)
    {
        if (Fields.Count > 0)
        {
            return new JsonObject(Fields.Select(f => KeyValuePair.Create(f.Key, f.Value.Value($"{path}.{f.Key}", digest))));
        }

        if (Element is not null)
        {
            return new JsonArray([.. Enumerable.Range(0, Math.Max(Length, 2)).Select(i => Element.Value($"{path}[{i}]", digest))]);
        }

        string text = $"{path}#{digest}";
        uint hash = NestfulMocks.Hash(text);
        return Type switch
        {
            "integer" => JsonValue.Create(hash % 100_000),
            "number" => JsonValue.Create((hash % 100_000) + 0.5),
            "boolean" => JsonValue.Create(hash % 2 == 0),
            "array" => new JsonArray(JsonValue.Create($"{path}[0]#{digest}"), JsonValue.Create($"{path}[1]#{digest}")),
            "object" => new JsonObject { ["id"] = $"{path}.id#{digest}", ["name"] = $"{path}.name#{digest}" },
            _ => JsonValue.Create(text),
        };
    }
}

/// <summary>The mock tools of one v1 set: their output shapes, latencies and what the data asks beyond the spec.</summary>
internal sealed class NestfulMocks
{
    private static readonly Dictionary<string, Lazy<NestfulMocks>> s_sets = NestfulCorpus.V1Sets.ToDictionary(s => s, s => new Lazy<NestfulMocks>(() => new NestfulMocks(NestfulCorpus.Set(s))));

    private readonly Dictionary<string, NestfulShape> _shapes = new(StringComparer.Ordinal);

    private NestfulMocks(NestfulSet set)
    {
        foreach (JsonElement spec in set.Specs)
        {
            NestfulShape shape = ShapeOf(spec.GetProperty("name").GetString()!);
            if (spec.TryGetProperty("output_parameters", out JsonElement outputs))
            {
                foreach (JsonProperty output in outputs.EnumerateObject())
                {
                    shape.Field(output.Name).Type ??= output.Value.TryGetProperty("type", out JsonElement type) ? Normalize(type.GetString()) : null;
                }
            }
        }

        SpecTools = [.. _shapes.Keys];
        foreach (NestfulItem item in set.Items)
        {
            var plan = new NestfulPlan(item.Calls);
            foreach (NestfulPlan.Step step in plan.Steps)
            {
                if (!step.Call.IsResult && !_shapes.ContainsKey(step.Call.Name))
                {
                    DataOnlyTools.Add(step.Call.Name);
                    ShapeOf(step.Call.Name);
                }

                foreach (NestfulReference reference in step.References)
                {
                    if (step.Targets.TryGetValue(reference.Label, out int target))
                    {
                        Require(item, item.Calls[target].Name, reference.Path);
                    }
                }
            }
        }
    }

    /// <summary>The tools the spec names, in spec order (a repeated name once).</summary>
    public IReadOnlyList<string> SpecTools { get; }

    /// <summary>Tools the data calls that the spec does not describe: mocked from the references alone.</summary>
    public SortedSet<string> DataOnlyTools { get; } = new(StringComparer.Ordinal);

    /// <summary>Output fields the references read that the spec's <c>output_parameters</c> lack, as <c>tool.field (item)</c>.</summary>
    public SortedSet<string> AddedFields { get; } = new(StringComparer.Ordinal);

    /// <summary>Paths that step into a field whose spec type says it cannot hold them (an "Array" read as an object).</summary>
    public SortedSet<string> Reshaped { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, NestfulShape> Shapes => _shapes;

    public static NestfulMocks For(string set) => s_sets[set].Value;

    /// <summary>A fixed latency per tool, varied by name: 100 to 205 ms.</summary>
    public static TimeSpan Latency(string tool) => tool == NestfulCall.ResultName ? TimeSpan.Zero : TimeSpan.FromMilliseconds(100 + (Hash(tool) % 8 * 15));

    /// <summary>What the mock of <paramref name="tool"/> returns for <paramref name="arguments"/>.</summary>
    public JsonElement Output(string tool, JsonNode? arguments) =>
        JsonSerializer.SerializeToElement(_shapes[tool].Value(tool, Hash(Canonical(arguments)).ToString("x8", CultureInfo.InvariantCulture)));

    /// <summary>Every tool of the set, plus <c>var_result</c>, read-only so calls start the instant they close.</summary>
    public IEnumerable<ToolDescriptor> Tools(TimeProvider clock) =>
    [
        .. _shapes.Keys.Select(name => new ToolDescriptor(new MockTool(this, name, clock), ToolEffects.ReadOnly)),
        new ToolDescriptor(new ResultTool(), ToolEffects.ReadOnly),
    ];

    /// <summary>FNV-1a over UTF-16 code units: stable across runs, unlike <see cref="string.GetHashCode()"/>.</summary>
    public static uint Hash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash;
    }

    /// <summary>A JSON text that depends only on the value: sorted keys, numbers by value, strings unescaped alike.</summary>
    public static string Canonical(JsonNode? node)
    {
        var text = new StringBuilder();
        Write(node);
        return text.ToString();

        void Write(JsonNode? value)
        {
            switch (value)
            {
                case null:
                    text.Append("null");
                    break;
                case JsonObject obj:
                    text.Append('{');
                    foreach (KeyValuePair<string, JsonNode?> property in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                    {
                        text.Append(JsonSerializer.Serialize(property.Key)).Append(':');
                        Write(property.Value);
                        text.Append(',');
                    }

                    text.Append('}');
                    break;
                case JsonArray array:
                    text.Append('[');
                    foreach (JsonNode? item in array)
                    {
                        Write(item);
                        text.Append(',');
                    }

                    text.Append(']');
                    break;
                default:
                    JsonValueKind kind = value.GetValueKind();
                    text.Append(kind switch
                    {
                        JsonValueKind.String => JsonSerializer.Serialize(value.GetValue<string>()),
                        JsonValueKind.Number => double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
                        _ => value.ToJsonString(),
                    });
                    break;
            }
        }
    }

    private NestfulShape ShapeOf(string tool)
    {
        if (!_shapes.TryGetValue(tool, out NestfulShape? shape))
        {
            _shapes[tool] = shape = new NestfulShape { Type = "object" };
        }

        return shape;
    }

    // Makes the path exist in the tool's output, noting where the data goes beyond or against the spec.
    private void Require(NestfulItem item, string tool, string path)
    {
        NestfulShape node = ShapeOf(tool);
        string walked = tool;
        bool top = true;
        foreach ((string? field, int index) in NestfulOracle.Segments(path))
        {
            if (field is not null)
            {
                if (node.Type is not (null or "object"))
                {
                    Reshaped.Add($"{tool}{path}: '{walked}' is {node.Type} in the spec ({item})");
                }

                if (top && !node.Fields.ContainsKey(field))
                {
                    AddedFields.Add($"{tool}.{field} ({item})");
                }

                node = node.Field(field);
                walked += "." + field;
            }
            else
            {
                if (node.Type is not (null or "array"))
                {
                    Reshaped.Add($"{tool}{path}: '{walked}' is {node.Type} in the spec ({item})");
                }

                node.Element ??= new NestfulShape();
                node.Length = Math.Max(node.Length, index + 1);
                node = node.Element;
                walked += $"[{index}]";
            }

            if (node.Fields.Count > 0 && node.Element is not null)
            {
                throw new InvalidOperationException($"{tool}{path}: '{walked}' is read both as an object and as an array ({item}).");
            }

            top = false;
        }
    }

    private static string? Normalize(string? type) => type?.Trim().ToLowerInvariant() switch
    {
        "string" => "string",
        "number" or "float" => "number",
        "integer" => "integer",
        "boolean" => "boolean",
        "array" => "array",
        "object" => "object",
        _ => null,
    };

    /// <summary>A mock of one spec tool: waits its latency on the clock, then returns its output object.</summary>
    private sealed class MockTool(NestfulMocks mocks, string name, TimeProvider clock) : AIFunction
    {
        public override string Name => name;

        public override string Description => $"Mock of {name}.";

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            JsonElement output = mocks.Output(name, NestfulOracle.Node(arguments));

            // Resume inline in the clock's callback, so the result is stamped at the exact virtual instant.
            await Task.Delay(Latency(name), clock, cancellationToken).ConfigureAwait(false);
            return output;
        }
    }

    /// <summary><c>var_result</c>: the final answer object, assembled by the mesh's substitution and echoed back.</summary>
    internal sealed class ResultTool : AIFunction
    {
        public override string Name => NestfulCall.ResultName;

        public override string Description => "Assembles the final answer object from earlier results.";

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            ValueTask.FromResult<object?>(JsonSerializer.SerializeToElement(NestfulOracle.Node(arguments)));
    }
}
