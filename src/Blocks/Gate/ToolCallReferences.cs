using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// Finds the references in a call's arguments and substitutes the referred results. A string that is exactly one
/// reference becomes the referred value with its JSON type; a reference inside a longer string is replaced by the
/// value's text.
/// </summary>
public static partial class ToolCallReferences
{
    private const string FutureKey = "$future";

    /// <summary>Finds every reference in the arguments, in document order.</summary>
    /// <param name="arguments">The arguments.</param>
    /// <param name="syntax">The syntaxes to recognise.</param>
    /// <returns>The references; empty when there are none.</returns>
    public static IReadOnlyList<ToolReference> Find(IReadOnlyDictionary<string, object?> arguments, ToolReferenceSyntax syntax)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (syntax == ToolReferenceSyntax.None)
        {
            return [];
        }

        // Arguments are JSON values almost always: read them in place, allocating only for references found (and,
        // for the usual Dictionary, not even an enumerator).
        List<ToolReference>? found = null;
        if (arguments is Dictionary<string, object?> dictionary)
        {
            foreach (KeyValuePair<string, object?> pair in dictionary)
            {
                Visit(pair.Value, syntax, ref found);
            }
        }
        else
        {
            foreach (KeyValuePair<string, object?> pair in arguments)
            {
                Visit(pair.Value, syntax, ref found);
            }
        }

        return found ?? (IReadOnlyList<ToolReference>)[];
    }

    private static void Visit(object? value, ToolReferenceSyntax syntax, ref List<ToolReference>? found)
    {
        if (value is JsonElement element)
        {
            Visit(element, syntax, ref found);
        }
        else if (value is not null)
        {
            Visit(ToNode(value), syntax, found ??= []);
        }
    }

    /// <summary>Replaces every reference with the referred value.</summary>
    /// <param name="arguments">The arguments.</param>
    /// <param name="syntax">The syntaxes to recognise.</param>
    /// <param name="resultOf">The whole result of the call a reference names: (how it was written, target).</param>
    /// <returns>New arguments, with <see cref="JsonElement"/> values.</returns>
    /// <exception cref="ToolReferenceException">A path does not exist in the referred result.</exception>
    public static Dictionary<string, object?> Substitute(
        IReadOnlyDictionary<string, object?> arguments,
        ToolReferenceSyntax syntax,
        Func<ToolReferenceSyntax, string, JsonElement> resultOf)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(resultOf);
        var substituted = new Dictionary<string, object?>(arguments.Count, StringComparer.Ordinal);
        foreach ((string name, object? value) in arguments)
        {
            JsonNode? node = Replace(ToNode(value), syntax, resultOf);
            substituted[name] = node is null ? JsonSerializer.SerializeToElement<object?>(null) : JsonSerializer.SerializeToElement(node);
        }

        return substituted;
    }

    /// <summary>The JSON value of a tool's result, as references see it: a string that holds JSON is read as that JSON.</summary>
    /// <param name="result">What the tool returned.</param>
    /// <returns>The value.</returns>
    public static JsonElement ToJson(object? result)
    {
        JsonElement element = result is JsonElement e ? e : JsonSerializer.SerializeToElement(result, AIJsonUtilities.DefaultOptions);
        if (element.ValueKind == JsonValueKind.String && element.GetString() is { } text && text.Length > 1 && text[0] is '{' or '[')
        {
            try
            {
                return JsonElement.Parse(text);
            }
            catch (JsonException)
            {
                // Not JSON after all: the string stands.
            }
        }

        return element;
    }

    /// <summary>Reads a field path such as <c>.data[0].Exchange Rate</c> from a value.</summary>
    /// <param name="value">The value.</param>
    /// <param name="path">The path; empty for the value itself.</param>
    /// <returns>The field's value.</returns>
    /// <exception cref="ToolReferenceException">The path does not exist.</exception>
    public static JsonElement Select(JsonElement value, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        JsonElement current = value;
        int i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                int end = i + 1;
                while (end < path.Length && path[end] is not '.' and not '[')
                {
                    end++;
                }

                string field = path[(i + 1)..end];
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(field, out JsonElement next))
                {
                    throw new ToolReferenceException($"The result has no field '{field}' at '{path[..i]}'.");
                }

                current = next;
                i = end;
            }
            else if (path[i] == '[')
            {
                int end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    throw new ToolReferenceException($"'{path}' is not a valid field path.");
                }

                if (current.ValueKind != JsonValueKind.Array || index >= current.GetArrayLength())
                {
                    throw new ToolReferenceException($"The result has no item [{index}] at '{path[..i]}'.");
                }

                current = current[index];
                i = end + 1;
            }
            else
            {
                throw new ToolReferenceException($"'{path}' is not a valid field path.");
            }
        }

        return current;
    }

    private static JsonNode? ToNode(object? value) => value switch
    {
        null => null,
        JsonNode node => node.DeepClone(),
        JsonElement element => JsonNode.Parse(element.GetRawText()),
        _ => JsonSerializer.SerializeToNode(value, AIJsonUtilities.DefaultOptions),
    };

    private static void Visit(JsonElement element, ToolReferenceSyntax syntax, ref List<ToolReference>? found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when IsFuture(element, syntax, out string? callId):
                (found ??= []).Add(new ToolReference(ToolReferenceSyntax.Futures, callId!, string.Empty));
                break;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    Visit(property.Value, syntax, ref found);
                }

                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Visit(item, syntax, ref found);
                }

                break;
            case JsonValueKind.String when MayHoldReference(element, syntax):
                foreach (Match match in Matches(element.GetString()!, syntax))
                {
                    (found ??= []).Add(ToReference(match));
                }

                break;
        }
    }

    // Only a string with a '$' (or an escape that may spell one) can hold a $N or $varN$ reference.
    private static bool MayHoldReference(JsonElement value, ToolReferenceSyntax syntax) =>
        (syntax & (ToolReferenceSyntax.NestfulVariables | ToolReferenceSyntax.PlanSteps)) != 0
        && JsonMarshal.GetRawUtf8Value(value).IndexOfAny((byte)'$', (byte)'\\') >= 0;

    private static bool IsFuture(JsonElement obj, ToolReferenceSyntax syntax, out string? callId)
    {
        callId = null;
        if ((syntax & ToolReferenceSyntax.Futures) == 0)
        {
            return false;
        }

        int count = 0;
        JsonElement target = default;
        foreach (JsonProperty property in obj.EnumerateObject())
        {
            if (++count > 1 || !property.NameEquals(FutureKey))
            {
                return false;
            }

            target = property.Value;
        }

        if (count == 1 && target.ValueKind == JsonValueKind.String)
        {
            callId = target.GetString();
            return true;
        }

        return false;
    }

    private static void Visit(JsonNode? node, ToolReferenceSyntax syntax, List<ToolReference> found)
    {
        switch (node)
        {
            case JsonObject obj when IsFuture(obj, syntax, out string? callId):
                found.Add(new ToolReference(ToolReferenceSyntax.Futures, callId!, string.Empty));
                break;
            case JsonObject obj:
                foreach (KeyValuePair<string, JsonNode?> property in obj)
                {
                    Visit(property.Value, syntax, found);
                }

                break;
            case JsonArray array:
                foreach (JsonNode? item in array)
                {
                    Visit(item, syntax, found);
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                foreach (Match match in Matches(value.GetValue<string>(), syntax))
                {
                    found.Add(ToReference(match));
                }

                break;
        }
    }

    private static JsonNode? Replace(JsonNode? node, ToolReferenceSyntax syntax, Func<ToolReferenceSyntax, string, JsonElement> resultOf)
    {
        switch (node)
        {
            case JsonObject obj when IsFuture(obj, syntax, out string? callId):
                return JsonNode.Parse(resultOf(ToolReferenceSyntax.Futures, callId!).GetRawText());
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (KeyValuePair<string, JsonNode?> property in obj)
                {
                    copy[property.Key] = Replace(property.Value, syntax, resultOf);
                }

                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (JsonNode? item in array)
                {
                    items.Add(Replace(item, syntax, resultOf));
                }

                return items;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                string text = value.GetValue<string>();
                List<Match> matches = Matches(text, syntax);
                if (matches.Count == 0)
                {
                    return node.DeepClone();
                }

                if (matches.Count == 1 && matches[0].Index == 0 && matches[0].Length == text.Length)
                {
                    return JsonNode.Parse(Resolve(matches[0], resultOf).GetRawText());
                }

                var result = new System.Text.StringBuilder(text.Length);
                int last = 0;
                foreach (Match match in matches)
                {
                    result.Append(text, last, match.Index - last);
                    JsonElement resolved = Resolve(match, resultOf);
                    result.Append(resolved.ValueKind == JsonValueKind.String ? resolved.GetString() : resolved.GetRawText());
                    last = match.Index + match.Length;
                }

                result.Append(text, last, text.Length - last);
                return JsonValue.Create(result.ToString());
            default:
                return node?.DeepClone();
        }
    }

    private static bool IsFuture(JsonObject obj, ToolReferenceSyntax syntax, out string? callId)
    {
        callId = null;
        if ((syntax & ToolReferenceSyntax.Futures) != 0 && obj.Count == 1 && obj[FutureKey] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            callId = v.GetValue<string>();
            return true;
        }

        return false;
    }

    private static List<Match> Matches(string text, ToolReferenceSyntax syntax)
    {
        var matches = new List<Match>();
        if ((syntax & ToolReferenceSyntax.NestfulVariables) != 0 && text.Contains('$', StringComparison.Ordinal))
        {
            matches.AddRange(NestfulPattern().Matches(text));
        }

        if ((syntax & ToolReferenceSyntax.PlanSteps) != 0 && text.Contains('$', StringComparison.Ordinal))
        {
            foreach (Match m in PlanPattern().Matches(text))
            {
                if (!matches.Exists(n => m.Index < n.Index + n.Length && n.Index < m.Index + m.Length))
                {
                    matches.Add(m);
                }
            }
        }

        matches.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        return matches;
    }

    private static ToolReference ToReference(Match match) =>
        match.Groups["var"].Success
            ? new ToolReference(ToolReferenceSyntax.NestfulVariables, match.Groups["var"].Value, match.Groups["path"].Value)
            : new ToolReference(ToolReferenceSyntax.PlanSteps, match.Groups["step"].Value, string.Empty);

    private static JsonElement Resolve(Match match, Func<ToolReferenceSyntax, string, JsonElement> resultOf)
    {
        ToolReference reference = ToReference(match);
        return Select(resultOf(reference.Syntax, reference.Target), reference.Path);
    }

    // $var1.field$ / $var_1.a[0].Exchange Rate$: the label, then dotted or indexed fields, closed by '$'.
    [GeneratedRegex(@"\$(?<var>var_?\d+)(?<path>(?:\.[^.$\[\]]+|\[\d+\])*)\$", RegexOptions.CultureInvariant)]
    private static partial Regex NestfulPattern();

    // $1 or ${1}.
    [GeneratedRegex(@"\$\{(?<step>\d+)\}|\$(?<step>\d+)(?![\d.])", RegexOptions.CultureInvariant)]
    private static partial Regex PlanPattern();
}
