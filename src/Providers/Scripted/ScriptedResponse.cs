using System.Text.Json;

namespace ToolFlow.Providers.Scripted;

/// <summary>
/// What the scripted model says in one turn: text and tool calls, in order. Build it fluently:
/// <c>new ScriptedResponse().Text("Checking. ").Call("get_weather", """{"city":"Paris"}""").Text(" Done.")</c>.
/// </summary>
public sealed class ScriptedResponse
{
    private readonly List<ScriptedSegment> _segments = [];

    /// <summary>The text and calls, in order.</summary>
    public IReadOnlyList<ScriptedSegment> Segments => _segments;

    /// <summary>The number of calls.</summary>
    public int CallCount => _segments.Count(s => s.IsCall);

    /// <summary>Appends text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>This response.</returns>
    public ScriptedResponse Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        _segments.Add(new ScriptedSegment(text, null, null));
        return this;
    }

    /// <summary>Appends a tool call.</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="argumentsJson">The arguments, as the JSON text the model writes (not validated, so malformed arguments can be scripted).</param>
    /// <returns>This response.</returns>
    public ScriptedResponse Call(string name, string argumentsJson)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(argumentsJson);
        _segments.Add(new ScriptedSegment(null, name, argumentsJson));
        return this;
    }

    /// <summary>Appends a tool call whose arguments are <paramref name="arguments"/> serialized as JSON.</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="arguments">The arguments.</param>
    /// <returns>This response.</returns>
    public ScriptedResponse Call(string name, IReadOnlyDictionary<string, object?> arguments) =>
        Call(name, JsonSerializer.Serialize(arguments, Microsoft.Extensions.AI.AIJsonUtilities.DefaultOptions));
}
