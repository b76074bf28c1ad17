using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Builds the arguments of a Gemini 3 call that streams them as <c>partialArgs</c>: each piece sets the value at a
/// JSON path (<c>$.recipe.ingredients[0].name</c>), and a string piece with <c>willContinue</c> is continued by the
/// next piece at the same path. Strings grow in place, so the cost is linear in the arguments' size.
/// </summary>
internal sealed class GeminiArgumentsBuilder(int maxDepth, int maxLength)
{
    // Items a path may skip past the end of an array (they become null).
    private const int MaxIndexGap = 1024;

    private readonly ObjectNode _root = new();
    private StringNode? _open;
    private string? _openPath;
    private long _length;

    /// <summary>Whether the last string piece said it would continue.</summary>
    public bool HasOpenString => _open is not null;

    /// <summary>Applies one <c>partialArgs</c> element.</summary>
    /// <param name="partial">The element.</param>
    /// <param name="code">The diagnostic code of the error, when there is one.</param>
    /// <returns><see langword="null"/>, or why the piece cannot be applied (the call cannot complete).</returns>
    public string? Apply(JsonElement partial, out string? code)
    {
        code = ParserDiagnosticCodes.ArgumentsInvalidJson;
        string? path = StreamBodyJson.String(partial, "jsonPath");
        if (path is null)
        {
            return "A streamed argument has no jsonPath.";
        }

        bool willContinue = StreamBodyJson.IsTrue(partial, "willContinue");
        string? text = StreamBodyJson.String(partial, "stringValue");
        string? raw = text is not null ? null : RawValue(partial);
        if (text is null && raw is null)
        {
            return $"The streamed argument at {path} has no value.";
        }

        _length += path.Length + (text?.Length ?? raw!.Length);
        if (_length > maxLength)
        {
            code = ParserDiagnosticCodes.ArgumentsTooLong;
            return $"The arguments are longer than {maxLength} characters.";
        }

        StringNode? written;
        if (text is not null && _open is not null && string.Equals(path, _openPath, StringComparison.Ordinal))
        {
            _open.Value.Append(text);
            written = _open;
        }
        else
        {
            Node value = text is not null ? new StringNode(text) : new RawNode(raw!);
            string? error = Set(path, value, out code);
            if (error is not null)
            {
                return error;
            }

            written = value as StringNode;
        }

        bool continues = written is not null && willContinue;
        _open = continues ? written : null;
        _openPath = continues ? path : null;
        code = null;
        return null;
    }

    /// <summary>The arguments as compact JSON text.</summary>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { MaxDepth = maxDepth + 1, SkipValidation = true }))
        {
            Write(writer, _root);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string? RawValue(JsonElement partial)
    {
        if (partial.TryGetProperty("numberValue", out JsonElement number) && number.ValueKind == JsonValueKind.Number)
        {
            return number.GetRawText();
        }

        if (partial.TryGetProperty("boolValue", out JsonElement boolean) && boolean.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return boolean.GetRawText();
        }

        if (partial.TryGetProperty("nullValue", out _))
        {
            return "null";
        }

        foreach (string name in (ReadOnlySpan<string>)["structValue", "listValue"])
        {
            if (partial.TryGetProperty(name, out JsonElement value) && value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                return value.GetRawText();
            }
        }

        return null;
    }

    private static void Write(Utf8JsonWriter writer, Node node)
    {
        switch (node)
        {
            case ObjectNode obj:
                writer.WriteStartObject();
                foreach ((string key, Node value) in obj.Members)
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case ArrayNode array:
                writer.WriteStartArray();
                foreach (Node item in array.Items)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case StringNode text:
                writer.WriteStringValue(text.Value.ToString());
                break;
            default:
                writer.WriteRawValue(((RawNode)node).Raw, skipInputValidation: true);
                break;
        }
    }

    private string? Set(string path, Node value, out string? code)
    {
        code = ParserDiagnosticCodes.ArgumentsInvalidJson;
        if (!TryParsePath(path, out List<Segment>? segments) || segments.Count == 0)
        {
            return $"The streamed argument path '{path}' is not a JSON path this parser reads.";
        }

        if (segments.Count > maxDepth)
        {
            code = ParserDiagnosticCodes.ArgumentsTooDeep;
            return $"The arguments nest deeper than {maxDepth} levels.";
        }

        Node container = _root;
        for (int i = 0; i < segments.Count; i++)
        {
            bool last = i == segments.Count - 1;
            Segment segment = segments[i];
            if (segment.Key is { } key)
            {
                if (container is not ObjectNode obj)
                {
                    return $"The streamed argument path '{path}' names a member of a value that is not an object.";
                }

                container = last ? obj.Set(key, value) : obj.GetOrAdd(key, segments[i + 1].Key is null);
            }
            else
            {
                if (container is not ArrayNode array)
                {
                    return $"The streamed argument path '{path}' names an item of a value that is not an array.";
                }

                if (segment.Index > array.Items.Count + MaxIndexGap)
                {
                    return $"The streamed argument path '{path}' skips too many array items.";
                }

                container = last ? array.Set(segment.Index, value) : array.GetOrAdd(segment.Index, segments[i + 1].Key is null);
            }
        }

        code = null;
        return null;
    }

    // $.name, $.a.b, $.a[0].b, $['a b'], $["a"].
    private static bool TryParsePath(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out List<Segment>? segments)
    {
        segments = null;
        if (path.Length == 0 || path[0] != '$')
        {
            return false;
        }

        var result = new List<Segment>();
        int i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                int start = ++i;
                while (i < path.Length && path[i] is not ('.' or '['))
                {
                    i++;
                }

                if (i == start)
                {
                    return false;
                }

                result.Add(new Segment(path[start..i], 0));
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] is '\'' or '"')
            {
                char quote = path[i + 1];
                int start = i + 2;
                int end = path.IndexOf(quote, start);
                if (end < 0 || end + 1 >= path.Length || path[end + 1] != ']')
                {
                    return false;
                }

                result.Add(new Segment(path[start..end], 0));
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                int end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    return false;
                }

                result.Add(new Segment(null, index));
                i = end + 1;
            }
            else
            {
                return false;
            }
        }

        segments = result;
        return true;
    }

    private readonly record struct Segment(string? Key, int Index);

    private abstract class Node;

    private sealed class ObjectNode : Node
    {
        private readonly Dictionary<string, int> _positions = new(StringComparer.Ordinal);

        public List<(string Key, Node Value)> Members { get; } = [];

        public Node? Get(string key) => _positions.TryGetValue(key, out int at) ? Members[at].Value : null;

        public Node Set(string key, Node value)
        {
            if (_positions.TryGetValue(key, out int at))
            {
                Members[at] = (key, value);
            }
            else
            {
                _positions[key] = Members.Count;
                Members.Add((key, value));
            }

            return value;
        }

        public Node GetOrAdd(string key, bool array)
        {
            Node? existing = Get(key);
            return existing is not null && (array ? existing is ArrayNode : existing is ObjectNode)
                ? existing
                : Set(key, array ? new ArrayNode() : new ObjectNode());
        }
    }

    private sealed class ArrayNode : Node
    {
        public List<Node> Items { get; } = [];

        public Node Set(int index, Node value)
        {
            while (Items.Count <= index)
            {
                Items.Add(new RawNode("null"));
            }

            Items[index] = value;
            return value;
        }

        public Node GetOrAdd(int index, bool array)
        {
            Node? existing = index < Items.Count ? Items[index] : null;
            return existing is not null && (array ? existing is ArrayNode : existing is ObjectNode)
                ? existing
                : Set(index, array ? new ArrayNode() : new ObjectNode());
        }
    }

    private sealed class StringNode(string initial) : Node
    {
        public StringBuilder Value { get; } = new(initial);
    }

    private sealed class RawNode(string raw) : Node
    {
        public string Raw => raw;
    }
}
