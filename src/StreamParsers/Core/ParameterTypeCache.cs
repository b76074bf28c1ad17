using System.Text.Json;
using static ToolFlow.StreamParsers.SchemaValueConverter;

namespace ToolFlow.StreamParsers;

/// <summary>
/// The types a tool's schema allows for each of its parameters, as read for one response. A response calls few tools,
/// each with the same few parameters, and reading a type from the schema costs several property lookups (about half a
/// microsecond), so each is read once. A field of its parser, used in place.
/// </summary>
internal struct ParameterTypeCache
{
    // Parameter names come from the model: the cache stops growing here, so a response of made-up names holds little.
    private const int MaxEntries = 32;

    private Entry[]? _entries;
    private int _count;

    /// <summary>What <c>TypesOf(PropertySchema(toolSchema, parameter))</c> returns, read once per tool and parameter.</summary>
    /// <param name="tool">The tool's name; it names <paramref name="toolSchema"/> for the parser's whole life.</param>
    /// <param name="toolSchema">The tool's schema, or <see langword="null"/>.</param>
    /// <param name="parameter">The parameter's name.</param>
    /// <returns>The types the parameter's schema allows.</returns>
    /// <remarks>
    /// Names are compared as references: the parser reads them through its <see cref="NameTable"/>, so a name read
    /// again is the same string. One that is not (the table was full) is read from the schema again, which gives the
    /// same answer.
    /// </remarks>
    public SchemaTypes Of(string tool, JsonElement? toolSchema, string parameter)
    {
        if (toolSchema is null)
        {
            return SchemaTypes.Any;
        }

        Entry[]? entries = _entries;
        for (int i = 0; i < _count; i++)
        {
            Entry entry = entries![i];
            if (ReferenceEquals(entry.Parameter, parameter) && ReferenceEquals(entry.Tool, tool))
            {
                return entry.Types;
            }
        }

        SchemaTypes types = TypesOf(PropertySchema(toolSchema, parameter));
        if (_count < MaxEntries)
        {
            _entries ??= new Entry[MaxEntries];
            _entries[_count++] = new Entry(tool, parameter, types);
        }

        return types;
    }

    private readonly record struct Entry(string Tool, string Parameter, SchemaTypes Types);
}
