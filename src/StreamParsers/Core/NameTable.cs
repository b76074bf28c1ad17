namespace ToolFlow.StreamParsers;

/// <summary>
/// The tool and parameter names a parser has read, so that a name read again is the same string rather than a new
/// one: a response names few tools and parameters many times. A field of its parser, used in place.
/// </summary>
internal struct NameTable
{
    // Names come from the model: past this many the table stops growing, so a response of made-up names holds little.
    private const int MaxNames = 64;

    private HashSet<string>? _names;

    /// <summary>The name spelled by <paramref name="text"/>, as a string read before when there is one.</summary>
    /// <param name="text">The name's characters.</param>
    /// <returns>A string equal to <paramref name="text"/>.</returns>
    public string Get(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return string.Empty;
        }

        _names ??= [];
        if (_names.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(text, out string? name))
        {
            return name;
        }

        name = new string(text);
        if (_names.Count < MaxNames)
        {
            _names.Add(name);
        }

        return name;
    }
}
