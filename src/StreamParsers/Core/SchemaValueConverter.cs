using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Turns a parameter value that a model wrote as text (XML-parameter formats) into JSON, typed by the tool's JSON
/// Schema: <c>2</c> for an integer, <c>true</c> for a boolean, the JSON text itself for an object or array, the
/// text as a JSON string otherwise.
/// </summary>
/// <remarks>
/// <para>
/// Without a schema for the parameter, a value that reads as one JSON value (after trimming white space) is that
/// value, and any other value is a string. With one, the types it allows (<c>type</c>, <c>enum</c>,
/// <c>const</c>, <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c>, <c>nullable</c>) are tried in this order: <c>null</c>
/// for the text <c>null</c>, string (the text exactly as written), boolean (<c>true</c>/<c>false</c>, any case),
/// integer, number, object and array (JSON text, or JSON text escaped once more as the content of a JSON string,
/// as GLM models sometimes write it). A value that fits none stays a string: nothing the model wrote is dropped.
/// </para>
/// </remarks>
internal static class SchemaValueConverter
{
    private static readonly SearchValues<char> s_escaped = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000A\u000B\u000C\u000D\u000E\u000F" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F");

    /// <summary>The JSON types a schema allows.</summary>
    [Flags]
    internal enum SchemaTypes
    {
        /// <summary>Unknown: the schema says nothing usable, so any value is allowed.</summary>
        Any = 0,

        /// <summary>A string.</summary>
        String = 1,

        /// <summary>An integer.</summary>
        Integer = 2,

        /// <summary>A number.</summary>
        Number = 4,

        /// <summary><c>true</c> or <c>false</c>.</summary>
        Boolean = 8,

        /// <summary><c>null</c>.</summary>
        Null = 16,

        /// <summary>An object.</summary>
        Object = 32,

        /// <summary>An array.</summary>
        Array = 64,
    }

    /// <summary>The parameters schema of a tool, when the options have one.</summary>
    /// <param name="options">The options.</param>
    /// <param name="tool">The tool name.</param>
    /// <returns>The schema, or <see langword="null"/>.</returns>
    public static JsonElement? ToolSchema(ToolCallParserOptions options, string tool) =>
        options.ToolSchemas is { } schemas && schemas.TryGetValue(tool, out JsonElement schema) ? schema : null;

    /// <summary>The schema of an object's property, looking into <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c> members too.</summary>
    /// <param name="schema">The object's schema, or <see langword="null"/>.</param>
    /// <param name="name">The property name.</param>
    /// <returns>The property's schema, or <see langword="null"/>.</returns>
    public static JsonElement? PropertySchema(JsonElement? schema, string name)
    {
        if (schema is not { ValueKind: JsonValueKind.Object } s)
        {
            return null;
        }

        if (s.TryGetProperty("properties", out JsonElement properties) && properties.ValueKind == JsonValueKind.Object &&
            properties.TryGetProperty(name, out JsonElement property))
        {
            return property;
        }

        return FromMembers(s, member => PropertySchema(member, name));
    }

    /// <summary>The schema of an array's items, looking into <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c> members too.</summary>
    /// <param name="schema">The array's schema, or <see langword="null"/>.</param>
    /// <returns>The items' schema, or <see langword="null"/>.</returns>
    public static JsonElement? ItemsSchema(JsonElement? schema)
    {
        if (schema is not { ValueKind: JsonValueKind.Object } s)
        {
            return null;
        }

        if (s.TryGetProperty("items", out JsonElement items) && items.ValueKind == JsonValueKind.Object)
        {
            return items;
        }

        return FromMembers(s, member => ItemsSchema(member));
    }

    /// <summary>The JSON types a schema allows.</summary>
    /// <param name="schema">The schema, or <see langword="null"/>.</param>
    /// <returns>The types, or <see cref="SchemaTypes.Any"/> when the schema does not say.</returns>
    public static SchemaTypes TypesOf(JsonElement? schema)
    {
        if (schema is not { ValueKind: JsonValueKind.Object } s)
        {
            return SchemaTypes.Any;
        }

        SchemaTypes types = SchemaTypes.Any;
        if (s.TryGetProperty("type", out JsonElement type))
        {
            if (type.ValueKind == JsonValueKind.String)
            {
                types |= Named(type.GetString());
            }
            else if (type.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement name in type.EnumerateArray())
                {
                    types |= name.ValueKind == JsonValueKind.String ? Named(name.GetString()) : SchemaTypes.Any;
                }
            }
        }

        if (s.TryGetProperty("enum", out JsonElement values) && values.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement value in values.EnumerateArray())
            {
                types |= OfValue(value);
            }
        }

        if (s.TryGetProperty("const", out JsonElement constant))
        {
            types |= OfValue(constant);
        }

        foreach (string keyword in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (s.TryGetProperty(keyword, out JsonElement members) && members.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement member in members.EnumerateArray())
                {
                    SchemaTypes memberTypes = TypesOf(member);
                    if (memberTypes == SchemaTypes.Any)
                    {
                        // One member allows anything: so does the union.
                        return SchemaTypes.Any;
                    }

                    types |= memberTypes;
                }
            }
        }

        if (types == SchemaTypes.Any)
        {
            if (s.TryGetProperty("properties", out _))
            {
                types = SchemaTypes.Object;
            }
            else if (s.TryGetProperty("items", out _))
            {
                types = SchemaTypes.Array;
            }
        }

        if (types != SchemaTypes.Any && s.TryGetProperty("nullable", out JsonElement nullable) && nullable.ValueKind == JsonValueKind.True)
        {
            types |= SchemaTypes.Null;
        }

        return types;
    }

    /// <summary>Appends a parameter value as JSON, typed by its schema.</summary>
    /// <param name="json">The JSON text being built.</param>
    /// <param name="value">The value as the model wrote it (after the format's own trimming).</param>
    /// <param name="schema">The parameter's schema, or <see langword="null"/>.</param>
    /// <param name="maxDepth">The deepest nesting the value may have.</param>
    /// <returns><see langword="false"/> when the value is JSON nested deeper than <paramref name="maxDepth"/>; nothing is appended then.</returns>
    public static bool TryAppendValue(ref PooledCharBuffer json, ReadOnlySpan<char> value, JsonElement? schema, int maxDepth) =>
        TryAppendValue(ref json, value, TypesOf(schema), maxDepth);

    /// <summary>Appends a parameter value as JSON, given the types its schema allows.</summary>
    /// <param name="json">The JSON text being built.</param>
    /// <param name="value">The value as the model wrote it (after the format's own trimming).</param>
    /// <param name="types">The types allowed.</param>
    /// <param name="maxDepth">The deepest nesting the value may have.</param>
    /// <returns><see langword="false"/> when the value is JSON nested deeper than <paramref name="maxDepth"/>; nothing is appended then.</returns>
    public static bool TryAppendValue(ref PooledCharBuffer json, ReadOnlySpan<char> value, SchemaTypes types, int maxDepth)
    {
        ReadOnlySpan<char> trimmed = value.Trim();
        bool tooDeep;
        if (types == SchemaTypes.Any)
        {
            if (ReadJson(trimmed, maxDepth, out tooDeep) is not null)
            {
                json.Append(trimmed);
                return true;
            }

            if (tooDeep)
            {
                return false;
            }

            AppendString(ref json, value);
            return true;
        }

        if ((types & SchemaTypes.Null) != 0 && trimmed.Equals("null", StringComparison.OrdinalIgnoreCase))
        {
            json.Append("null");
            return true;
        }

        if ((types & SchemaTypes.String) != 0)
        {
            AppendString(ref json, value);
            return true;
        }

        if ((types & SchemaTypes.Boolean) != 0)
        {
            if (trimmed.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                json.Append("true");
                return true;
            }

            if (trimmed.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                json.Append("false");
                return true;
            }
        }

        if ((types & (SchemaTypes.Integer | SchemaTypes.Number)) != 0 && TryAppendNumber(ref json, trimmed, types))
        {
            return true;
        }

        if ((types & (SchemaTypes.Object | SchemaTypes.Array)) != 0)
        {
            if (AllowsKind(types, ReadJson(trimmed, maxDepth, out tooDeep)))
            {
                json.Append(trimmed);
                return true;
            }

            if (tooDeep)
            {
                return false;
            }

            // JSON escaped once more, as the content of a JSON string: [{\"id\": \"1\"}].
            if (trimmed.Contains('\\') && DecodeStringContent(trimmed) is { } decoded)
            {
                ReadOnlySpan<char> inner = decoded.AsSpan().Trim();
                if (AllowsKind(types, ReadJson(inner, maxDepth, out tooDeep)))
                {
                    json.Append(inner);
                    return true;
                }

                if (tooDeep)
                {
                    return false;
                }
            }
        }

        AppendString(ref json, value);
        return true;
    }

    /// <summary>Appends text as a JSON string, quotes included.</summary>
    /// <param name="json">The JSON text being built.</param>
    /// <param name="text">The text.</param>
    public static void AppendString(ref PooledCharBuffer json, ReadOnlySpan<char> text)
    {
        json.Append("\"");
        AppendEscaped(ref json, text);
        json.Append("\"");
    }

    /// <summary>Appends text escaped for the inside of a JSON string, without quotes.</summary>
    /// <param name="json">The JSON text being built.</param>
    /// <param name="text">The text.</param>
    public static void AppendEscaped(ref PooledCharBuffer json, ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            int stop = text.IndexOfAny(s_escaped);
            if (stop < 0)
            {
                json.Append(text);
                return;
            }

            json.Append(text[..stop]);
            char c = text[stop];
            switch (c)
            {
                case '"':
                    json.Append("\\\"");
                    break;
                case '\\':
                    json.Append("\\\\");
                    break;
                case '\n':
                    json.Append("\\n");
                    break;
                case '\r':
                    json.Append("\\r");
                    break;
                case '\t':
                    json.Append("\\t");
                    break;
                case '\b':
                    json.Append("\\b");
                    break;
                case '\f':
                    json.Append("\\f");
                    break;
                default:
                    Span<char> unicode = ['\\', 'u', '0', '0', HexDigit(c >> 4), HexDigit(c & 0xF)];
                    json.Append(unicode);
                    break;
            }

            text = text[(stop + 1)..];
        }
    }

    /// <summary>Whether a text is one JSON value and nothing else, and of what kind.</summary>
    /// <param name="text">The text, without surrounding white space.</param>
    /// <param name="maxDepth">The deepest nesting allowed.</param>
    /// <param name="tooDeep">Whether the text is JSON nested deeper than <paramref name="maxDepth"/>.</param>
    /// <returns>The kind of the value, or <see langword="null"/> when the text is not one JSON value.</returns>
    public static JsonValueKind? ReadJson(ReadOnlySpan<char> text, int maxDepth, out bool tooDeep)
    {
        tooDeep = false;
        if (text.IsEmpty)
        {
            return null;
        }

        var scanner = new JsonBoundaryScanner(maxDepth, reportMembers: false);
        int consumed = scanner.Scan(text, out JsonScanEvent scanEvent);
        bool complete = scanEvent switch
        {
            JsonScanEvent.ValueCompleted => consumed == text.Length,
            JsonScanEvent.None => scanner.TryCompleteAtEnd(),
            _ => false,
        };

        if (!complete)
        {
            tooDeep = scanner.Error == JsonScanError.TooDeep;
            return null;
        }

        return text[0] switch
        {
            '{' => JsonValueKind.Object,
            '[' => JsonValueKind.Array,
            '"' => JsonValueKind.String,
            't' => JsonValueKind.True,
            'f' => JsonValueKind.False,
            'n' => JsonValueKind.Null,
            _ => JsonValueKind.Number,
        };
    }

    private static bool TryAppendNumber(ref PooledCharBuffer json, ReadOnlySpan<char> text, SchemaTypes types)
    {
        bool integerOnly = (types & SchemaTypes.Number) == 0;
        if (ReadJson(text, 1, out _) == JsonValueKind.Number)
        {
            if (!integerOnly || text.IndexOfAny('.', 'e', 'E') < 0 ||
                (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsInteger(d)))
            {
                json.Append(text);
                return true;
            }

            return false;
        }

        // Not JSON, but a number to a reader that the model may well have meant: +5, 007, 1.
        if (BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger integer))
        {
            json.Append(integer.ToString(CultureInfo.InvariantCulture));
            return true;
        }

        if (!integerOnly && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && double.IsFinite(number))
        {
            json.Append(number.ToString("R", CultureInfo.InvariantCulture));
            return true;
        }

        return false;
    }

    private static bool AllowsKind(SchemaTypes types, JsonValueKind? kind) => kind switch
    {
        JsonValueKind.Object => (types & SchemaTypes.Object) != 0,
        JsonValueKind.Array => (types & SchemaTypes.Array) != 0,
        _ => false,
    };

    // Decodes text as the content of a JSON string (between its quotes), or null when it is not one.
    private static string? DecodeStringContent(ReadOnlySpan<char> text)
    {
        var scanner = new JsonBoundaryScanner(1, reportMembers: false);
        _ = scanner.Scan("\"", out _);
        int consumed = scanner.Scan(text, out JsonScanEvent scanEvent);
        if (scanEvent != JsonScanEvent.None || consumed != text.Length || scanner.Scan("\"", out scanEvent) != 1 || scanEvent != JsonScanEvent.ValueCompleted)
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(string.Concat("\"", text, "\""));
            return document.RootElement.GetString();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement? FromMembers(JsonElement schema, Func<JsonElement, JsonElement?> select)
    {
        foreach (string keyword in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (schema.TryGetProperty(keyword, out JsonElement members) && members.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement member in members.EnumerateArray())
                {
                    if (select(member) is { } found)
                    {
                        return found;
                    }
                }
            }
        }

        return null;
    }

    private static SchemaTypes Named(string? name) => name?.ToLowerInvariant() switch
    {
        "string" or "str" or "text" or "varchar" or "char" or "enum" => SchemaTypes.String,
        "integer" or "int" or "int32" or "int64" or "long" or "uint" or "short" => SchemaTypes.Integer,
        "number" or "float" or "double" or "num" or "decimal" => SchemaTypes.Number,
        "boolean" or "bool" => SchemaTypes.Boolean,
        "null" => SchemaTypes.Null,
        "object" or "dict" or "map" => SchemaTypes.Object,
        "array" or "list" or "arr" or "sequence" => SchemaTypes.Array,
        _ => SchemaTypes.Any,
    };

    private static SchemaTypes OfValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => SchemaTypes.String,
        JsonValueKind.Number => SchemaTypes.Number,
        JsonValueKind.True or JsonValueKind.False => SchemaTypes.Boolean,
        JsonValueKind.Null => SchemaTypes.Null,
        JsonValueKind.Object => SchemaTypes.Object,
        JsonValueKind.Array => SchemaTypes.Array,
        _ => SchemaTypes.Any,
    };

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'a' + value - 10);
}
