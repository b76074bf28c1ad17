using ToolFlow.Blocks;

namespace ToolFlow.Cli.Run;

/// <summary>
/// <c>--tool-hint SERVER/TOOL=read-only|idempotent|destructive</c>: what the user says an MCP server's tool does, which
/// wins over the server's own annotations (<c>readOnlyHint</c>, <c>idempotentHint</c>, <c>destructiveHint</c>).
/// </summary>
/// <param name="Server">The server's name, as <c>[mcp]</c> prints it.</param>
/// <param name="Tool">The tool's name.</param>
/// <param name="Effects">The effects the pipeline uses for the tool.</param>
internal sealed record ToolHintOverride(string Server, string Tool, ToolEffects Effects)
{
    /// <summary>The words <c>--tool-hint</c> takes after <c>=</c>.</summary>
    public const string Words = "read-only, idempotent or destructive";

    /// <summary>Reads one <c>--tool-hint</c> value.</summary>
    /// <param name="text">The value, such as <c>files/write_file=destructive</c>.</param>
    /// <returns>The override.</returns>
    /// <exception cref="FormatException">The value is not <c>SERVER/TOOL=WORD</c>.</exception>
    public static ToolHintOverride Parse(string text)
    {
        int equals = text.LastIndexOf('=');
        int slash = equals < 0 ? -1 : text.LastIndexOf('/', equals);
        if (slash <= 0 || equals == slash + 1)
        {
            throw new FormatException($"--tool-hint takes SERVER/TOOL={Words.Replace(", ", "|", StringComparison.Ordinal).Replace(" or ", "|", StringComparison.Ordinal)} (got '{text}').");
        }

        ToolEffects effects = text[(equals + 1)..] switch
        {
            "read-only" => ToolEffects.ReadOnly,
            "idempotent" => ToolEffects.Idempotent,
            "destructive" => ToolEffects.SideEffecting,
            string word => throw new FormatException($"--tool-hint: '{word}' is not one of {Words} (in '{text}')."),
        };
        return new ToolHintOverride(text[..slash], text[(slash + 1)..equals], effects);
    }

    /// <summary>How <c>toolflow run</c> names an effect in its output.</summary>
    /// <param name="effects">The effects.</param>
    /// <returns>The word.</returns>
    public static string Word(ToolEffects effects) => effects switch
    {
        ToolEffects.ReadOnly => "read-only",
        ToolEffects.Idempotent => "idempotent",
        _ => "side effects",
    };
}
