namespace ToolFlow.Blocks;

/// <summary>Which budget a cut was made for.</summary>
public enum ToolResultTrimScope
{
    /// <summary>The result's own budget: its tool's <see cref="ToolDescriptor.MaxResultTokens"/> or the default per result.</summary>
    Tool,

    /// <summary>The turn's budget: its share of what all of a turn's results may add together.</summary>
    Turn,
}
