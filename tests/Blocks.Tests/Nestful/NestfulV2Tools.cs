using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>
/// NESTFUL v2's locally executable functions (the math table and the two coding functions the sample uses) and the
/// upstream scorer's calling convention: arguments go positionally, in the order their keys appear, and the single
/// return value is stored under the tool's one output parameter.
/// </summary>
internal static class NestfulV2Tools
{
    public static IReadOnlyDictionary<string, Func<IReadOnlyList<object?>, object?>> Functions { get; } = BuildFunctions();

    /// <summary>The arguments as Python values, positionally, in key order.</summary>
    public static List<object?> Positional(IEnumerable<KeyValuePair<string, JsonNode?>> arguments) =>
        [.. arguments.Select(a => PythonValues.FromJson(JsonSerializer.SerializeToElement(a.Value)))];

    /// <summary>Calls <paramref name="name"/> and wraps its value as <c>{output: value}</c>, floats written as Python writes them.</summary>
    public static JsonElement Invoke(string name, string output, IReadOnlyList<object?> arguments) =>
        JsonElement.Parse($"{{{JsonSerializer.Serialize(output)}:{PythonValues.ToJson(Functions[name](arguments))}}}");

    /// <summary>The tools of a sample, read-only, each with the v1 mocks' latency for its name.</summary>
    public static IEnumerable<ToolDescriptor> Tools(IReadOnlyDictionary<string, string> outputs, TimeProvider clock) =>
        outputs.Select(o => new ToolDescriptor(new PythonTool(o.Key, o.Value, clock), ToolEffects.ReadOnly));

    private static Dictionary<string, Func<IReadOnlyList<object?>, object?>> BuildFunctions()
    {
        var functions = new Dictionary<string, Func<IReadOnlyList<object?>, object?>>(PythonMath.Functions, StringComparer.Ordinal)
        {
            // input_str.split(): the non-empty runs of non-whitespace.
            ["non_whitespace_substrings"] = a => Split(Single(a)).Cast<object?>().ToList(),

            // Each whitespace-separated word of each sentence, with its count, in first-seen order.
            ["count_words_from_sentences"] = a =>
            {
                var counts = new List<KeyValuePair<string, object?>>();
                IEnumerable<object?> sentences = Single(a) as List<object?> ?? throw PythonException.TypeError("sentences must be a list");
                foreach (string word in sentences.SelectMany(Split))
                {
                    int at = counts.FindIndex(c => c.Key == word);
                    if (at < 0)
                    {
                        counts.Add(KeyValuePair.Create(word, (object?)BigInteger.One));
                    }
                    else
                    {
                        counts[at] = KeyValuePair.Create(word, (object?)((BigInteger)counts[at].Value! + 1));
                    }
                }

                return counts;
            },
        };
        return functions;

        static object? Single(IReadOnlyList<object?> a) => a.Count == 1 ? a[0] : throw PythonException.TypeError($"expected 1 positional argument, got {a.Count}");

        static string[] Split(object? text) => text is string s
            ? s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            : throw PythonException.TypeError("expected a str");
    }

    /// <summary>A v2 function as a tool: waits its latency on the clock, then returns or raises.</summary>
    private sealed class PythonTool(string name, string output, TimeProvider clock) : AIFunction
    {
        public override string Name => name;

        public override string Description => $"NESTFUL v2 function {name}.";

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            JsonElement? result = null;
            PythonException? raised = null;
            try
            {
                result = Invoke(name, output, Positional(((JsonObject)NestfulOracle.Node(arguments)!).ToList()));
            }
            catch (PythonException e)
            {
                raised = e;
            }

            await Task.Delay(NestfulMocks.Latency(name), clock, cancellationToken).ConfigureAwait(false);
            return raised is null ? result : throw raised;
        }
    }
}
