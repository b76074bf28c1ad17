using System.Globalization;
using System.Text.Json.Nodes;
using CsCheck;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>Generators of tool calls and plain text for the parser property tests.</summary>
internal static class ToolCallGen
{
    // Text pieces, near-miss markers of many formats among them; a format removes what would really be a marker.
    private static readonly string[] s_textPieces =
    [
        "Hello", " ", "the weather", "\n", "\t", "é", "杭州", "😀", "1", "a", "<", ">", "<tool_cal", "<|", "```", "{",
        "}", "[", "]", "\"", "'", "\\", "(", ")", ":", ",", "= ", "$1", "json", "<function", "[TOOL_CALLS", "<｜",
    ];

    // String pieces for argument values: escapes, quotes, markers and characters outside the BMP.
    private static readonly string[] s_stringPieces =
    [
        "Paris", " ", "a", "Z", "0", "é", "杭州", "😀", "🎉", "\"", "\\", "/", "\n", "\t", "\u0001", "'", "<", ">",
        "</tool_call>", "<tool_call>", "{", "}", "[", "]", ",", ":", "$1", "\u2028",
    ];

    public static readonly Gen<string> Name =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyz"], Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz_0123456789"], 0, 12], (c, s) => c + s);

    public static readonly Gen<string> Key =
        Gen.Select(Gen.Char["abcdefghijklmnopqrstuvwxyz"], Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz_0123456789"], 0, 8], (c, s) => c + s);

    public static readonly Gen<string> StringValue = Gen.OneOf(s_stringPieces).Array[0, 6].Select(string.Concat);

    public static readonly Gen<string> Text = Gen.OneOf(s_textPieces).Array[0, 8].Select(string.Concat);

    // Numbers written as JSON and Python write them alike: integers and short decimals, no exponents.
    public static readonly Gen<JsonNode> Number = Gen.OneOf(
        Gen.Int[-100_000, 100_000].Select(i => (JsonNode)JsonValue.Create(i)),
        Gen.Select(Gen.Int[-999, 999], Gen.Int[1, 99], (i, f) => (JsonNode)JsonNode.Parse(string.Create(CultureInfo.InvariantCulture, $"{i}.{f:D2}"))!));

    // Strings an XML-parameter format carries as element text: no markup, no white space at either end.
    public static readonly Gen<string> XmlStringValue =
        Gen.OneOf("Paris", "a", "Z", "0", "é", "杭州", "😀", "\\", "/", "'", "\"", "{", "}", "$1", ",")
            .Array[1, 5].Select(pieces => string.Join(" ", pieces));

    public static Gen<JsonObject> Arguments(int depth) => Arguments(depth, StringValue);

    public static Gen<JsonObject> Arguments(int depth, Gen<string> strings) =>
        Gen.Select(Key, Value(depth, strings)).Array[0, depth == 0 ? 4 : 3].Select(members =>
        {
            var o = new JsonObject();
            foreach ((string key, JsonNode? value) in members)
            {
                o[key] = value;
            }

            return o;
        });

    public static Gen<JsonNode?> Value(int depth, Gen<string> strings)
    {
        var leaves = new List<Gen<JsonNode?>>
        {
            strings.Select(s => (JsonNode?)JsonValue.Create(s)),
            Number.Select(n => (JsonNode?)n),
            Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
            Gen.Const((JsonNode?)null),
        };
        if (depth < 2)
        {
            leaves.Add(Arguments(depth + 1, strings).Select(o => (JsonNode?)o));
            leaves.Add(Gen.Int[0, 3].SelectMany(n => Value(depth + 1, strings).Array[n]).Select(items => (JsonNode?)new JsonArray([.. items])));
        }

        return Gen.OneOf([.. leaves]);
    }

    public static readonly Gen<GeneratedCall> Call = Gen.Select(Name, Arguments(0), (n, a) => new GeneratedCall(n, a));

    // A plan reads "$N" in a string as a reference to step N: plans get strings without one.
    public static readonly Gen<GeneratedCall> PlanCall =
        Gen.Select(Name, Arguments(0, StringValue.Select(s => s.Replace("$", "", StringComparison.Ordinal))), (n, a) => new GeneratedCall(n, a));

    public static readonly Gen<GeneratedCall> XmlCall = Gen.Select(Name, Arguments(0, XmlStringValue), (n, a) => new GeneratedCall(n, a));

    /// <summary>Up to four calls with text around them; the format decides which texts it can carry.</summary>
    public static Gen<GeneratedResponse> Response(Gen<GeneratedCall> call, Gen<string> text) =>
        Gen.Int[0, 4].SelectMany(n => Gen.Select(text.Array[n + 1], call.Array[n], Gen.Int, (t, c, s) => new GeneratedResponse(t, c, s)));

    /// <summary>Chunk lengths for a text of the given length: 1-character chunks, or random lengths from 1 to 9.</summary>
    public static IEnumerable<int> Chunking(int length, int seed)
    {
        var random = new Random(seed);
        bool single = random.Next(3) == 0;
        for (int at = 0; at < length;)
        {
            int size = Math.Min(length - at, single ? 1 : random.Next(1, 10));
            yield return size;
            at += size;
        }
    }
}
