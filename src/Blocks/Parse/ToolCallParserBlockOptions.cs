using ToolFlow.StreamParsers;

namespace ToolFlow.Blocks;

/// <summary>Options of <see cref="ToolCallParserBlock"/>.</summary>
public sealed class ToolCallParserBlockOptions : ToolBlockOptions
{
    /// <summary>
    /// Makes the parser for tool calls the model writes as text (one per response). Default: none, all text is
    /// text. Structured calls (<see cref="ToolCallUpdateContent"/>, <see cref="Microsoft.Extensions.AI.FunctionCallContent"/>)
    /// are read whatever this is.
    /// </summary>
    public Func<ToolCallParserOptions, ToolCallTextParser> TextParserFactory { get; set => field = OptionsValidation.NotNull(value); } = DefaultTextParserFactory;

    // The default, kept as one instance so the pipeline's plan mode can tell it from a parser the caller chose.
    internal static Func<ToolCallParserOptions, ToolCallTextParser> DefaultTextParserFactory { get; } = static options => new PlainTextParser(options);

    /// <summary>
    /// Read, in order, each update's <see cref="Microsoft.Extensions.AI.ChatResponseUpdate.RawRepresentation"/> for
    /// call fragments; the first that knows it reads it. Default: none.
    /// </summary>
    public IReadOnlyList<ToolCallDeltaReader> DeltaReaders
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (ToolCallDeltaReader reader in value)
            {
                ArgumentNullException.ThrowIfNull(reader, nameof(value));
            }

            field = [.. value];
        }
    } = [];

    /// <summary>The parser limits. Default <see cref="ToolCallParserOptions.Default"/>.</summary>
    public ToolCallParserOptions ParserOptions { get; set => field = OptionsValidation.NotNull(value); } = ToolCallParserOptions.Default;

    internal ToolCallParserBlockOptions Clone() => Snapshot<ToolCallParserBlockOptions>();
}
