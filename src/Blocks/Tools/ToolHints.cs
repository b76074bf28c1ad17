using System.Collections.Frozen;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// MCP's tool annotation names as <see cref="AITool.AdditionalProperties"/> of an <see cref="AIFunction"/>, which
/// <see cref="ToolDescriptor.FromMetadata"/> reads: set them where the function is made, and its calls start early
/// without a descriptor.
/// </summary>
/// <example>
/// <code>
/// AIFunction weather = AIFunctionFactory.Create(GetWeather, new AIFunctionFactoryOptions { AdditionalProperties = ToolHints.ReadOnly });
/// </code>
/// To keep other properties too: <c>new Dictionary&lt;string, object?&gt;(ToolHints.ReadOnly) { ["owner"] = "ops" }</c>.
/// </example>
public static class ToolHints
{
    /// <summary>The key of MCP's <c>readOnlyHint</c>: <see langword="true"/> when the tool changes nothing.</summary>
    public const string ReadOnlyHint = "readOnlyHint";

    /// <summary>The key of MCP's <c>idempotentHint</c>: <see langword="true"/> when running it twice is the same as once.</summary>
    public const string IdempotentHint = "idempotentHint";

    /// <summary>The key of MCP's <c>destructiveHint</c>: <see langword="true"/> when it may destroy or overwrite.</summary>
    public const string DestructiveHint = "destructiveHint";

    /// <summary>The hints of a read-only tool: <c>readOnlyHint</c> true.</summary>
    public static IReadOnlyDictionary<string, object?> ReadOnly { get; } = Create(ToolEffects.ReadOnly);

    /// <summary>The hints of an idempotent tool: <c>readOnlyHint</c> false, <c>idempotentHint</c> true.</summary>
    public static IReadOnlyDictionary<string, object?> Idempotent { get; } = Create(ToolEffects.Idempotent);

    /// <summary>
    /// The hints of a side-effecting tool: <c>readOnlyHint</c> false, <c>idempotentHint</c> false (and MCP's default
    /// <c>destructiveHint</c>, true); the same as no hints, but says so.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> SideEffecting { get; } = Create(ToolEffects.SideEffecting);

    /// <summary>The hints that describe <paramref name="effects"/>.</summary>
    /// <param name="effects">What running the tool does.</param>
    /// <returns>One of <see cref="ReadOnly"/>, <see cref="Idempotent"/> and <see cref="SideEffecting"/>.</returns>
    public static IReadOnlyDictionary<string, object?> For(ToolEffects effects) => OptionsValidation.Defined(effects) switch
    {
        ToolEffects.ReadOnly => ReadOnly,
        ToolEffects.Idempotent => Idempotent,
        _ => SideEffecting,
    };

    // Only what each effect says for sure: whether an idempotent write destroys is left to MCP's default.
    private static FrozenDictionary<string, object?> Create(ToolEffects effects)
    {
        var hints = new Dictionary<string, object?> { [ReadOnlyHint] = effects == ToolEffects.ReadOnly };
        if (effects != ToolEffects.ReadOnly)
        {
            hints[IdempotentHint] = effects == ToolEffects.Idempotent;
        }

        return hints.ToFrozenDictionary();
    }
}
