using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ToolFlow.Blocks.Tests.Nestful;

/// <summary>A reference as the NESTFUL README defines it: <c>$label.path$</c> inside an argument string.</summary>
internal readonly record struct NestfulReference(string Label, string Path, bool IsWholeString);

/// <summary>
/// The test's own reading of NESTFUL references, written from the README and kept apart from the mesh's
/// <see cref="ToolCallReferences"/>: which references an argument holds, what a path selects, and what the
/// arguments become once references are substituted (whole-string references keep the JSON type; embedded ones are
/// replaced by the value's text).
/// </summary>
internal static partial class NestfulOracle
{
    public static List<NestfulReference> References(JsonElement arguments)
    {
        var found = new List<NestfulReference>();
        Visit(arguments);
        return found;

        void Visit(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (JsonProperty property in value.EnumerateObject())
                    {
                        Visit(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (JsonElement item in value.EnumerateArray())
                    {
                        Visit(item);
                    }

                    break;
                case JsonValueKind.String:
                    string text = value.GetString()!;
                    foreach (Match match in Reference().Matches(text))
                    {
                        found.Add(new NestfulReference(match.Groups["label"].Value, match.Groups["path"].Value, match.Length == text.Length));
                    }

                    break;
            }
        }
    }

    /// <summary>Follows <paramref name="path"/> (<c>.a.b[0].Field Name</c>) into <paramref name="value"/>.</summary>
    public static JsonElement Select(JsonElement value, string path)
    {
        JsonElement current = value;
        foreach ((string? field, int index) in Segments(path))
        {
            if (field is not null)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(field, out current))
                {
                    throw new KeyNotFoundException($"no field '{field}' on the way along '{path}'");
                }
            }
            else if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength())
            {
                throw new KeyNotFoundException($"no item [{index}] on the way along '{path}'");
            }
            else
            {
                current = current[index];
            }
        }

        return current;
    }

    /// <summary>The segments of a path: a field name, or (null, index) for <c>[index]</c>.</summary>
    public static IEnumerable<(string? Field, int Index)> Segments(string path)
    {
        foreach (Match segment in Segment().Matches(path))
        {
            yield return segment.Groups["field"].Success
                ? (segment.Groups["field"].Value, -1)
                : (null, int.Parse(segment.Groups["index"].Value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The arguments with every reference replaced, given each label's whole result.</summary>
    public static JsonObject Substitute(JsonElement arguments, Func<string, JsonElement> resultOf)
    {
        return (JsonObject)Replace(arguments)!;

        JsonNode? Replace(JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    var obj = new JsonObject();
                    foreach (JsonProperty property in value.EnumerateObject())
                    {
                        obj[property.Name] = Replace(property.Value);
                    }

                    return obj;
                case JsonValueKind.Array:
                    return new JsonArray([.. value.EnumerateArray().Select(Replace)]);
                case JsonValueKind.String:
                    string text = value.GetString()!;
                    MatchCollection matches = Reference().Matches(text);
                    if (matches.Count == 1 && matches[0].Length == text.Length)
                    {
                        return JsonNode.Parse(Resolve(matches[0]).GetRawText());
                    }

                    var replaced = new StringBuilder();
                    int last = 0;
                    foreach (Match match in matches)
                    {
                        JsonElement resolved = Resolve(match);
                        replaced.Append(text, last, match.Index - last).Append(resolved.ValueKind == JsonValueKind.String ? resolved.GetString() : resolved.GetRawText());
                        last = match.Index + match.Length;
                    }

                    return JsonValue.Create(replaced.Append(text, last, text.Length - last).ToString());
                default:
                    return JsonNode.Parse(value.GetRawText());
            }
        }

        JsonElement Resolve(Match match) => Select(resultOf(match.Groups["label"].Value), match.Groups["path"].Value);
    }

    /// <summary>A JSON value as a node, for <see cref="JsonNode.DeepEquals"/>.</summary>
    public static JsonNode? Node(object? value) => value switch
    {
        null => null,
        JsonNode node => node,
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        IEnumerable<KeyValuePair<string, object?>> arguments => new JsonObject(arguments.Select(a => KeyValuePair.Create(a.Key, Node(a.Value)))),
        _ => JsonSerializer.SerializeToNode(value),
    };

    // "$var1.location.name$", "$var1.author[0].id$", "$var1.Exchange Rate$", "$var_1.result$": '$', a label, then
    // dotted fields (any text but '.', '$', '[' and ']') or [index] steps, then '$'.
    [GeneratedRegex(@"\$(?<label>var_?[0-9]+)(?<path>(?:\.[^.$\[\]]+|\[[0-9]+\])*)\$", RegexOptions.CultureInvariant)]
    private static partial Regex Reference();

    [GeneratedRegex(@"\.(?<field>[^.\[\]]+)|\[(?<index>[0-9]+)\]", RegexOptions.CultureInvariant)]
    private static partial Regex Segment();
}
