namespace ToolFlow.StreamParsers;

/// <summary>Limits that keep a parser's memory bounded whatever the model writes.</summary>
public sealed class ToolCallParserOptions
{
    /// <summary>The default options.</summary>
    public static ToolCallParserOptions Default { get; } = new();

    /// <summary>The largest arguments text of one call, in characters. Default 1,048,576.</summary>
    public int MaxArgumentsLength
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 2);
            field = value;
        }
    } = 1 << 20;

    /// <summary>The deepest nesting of JSON objects and arrays in arguments. Default 64.</summary>
    public int MaxDepth
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 64;

    /// <summary>
    /// The tools' parameter schemas by tool name (each a JSON Schema object), for formats that write values as text
    /// and type them from the schema (XML-parameter formats). Default none: such values stay strings unless they
    /// read as JSON.
    /// </summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement>? ToolSchemas { get; init; }

    /// <summary>
    /// Whether the chat template opened the reasoning block in the prompt (thinking forced open), so the response
    /// starts inside it: text before the closing marker, or before the first call, is reasoning. Default
    /// <see langword="null"/>: formats whose templates may do either decide from the output itself.
    /// </summary>
    public bool? ReasoningStartsOpen { get; init; }

    /// <summary>The most calls one response may hold; later ones are reported and dropped. Default 128.</summary>
    public int MaxCallsPerResponse
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 128;
}
