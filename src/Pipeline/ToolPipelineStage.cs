namespace ToolFlow.Pipeline;

/// <summary>The named stages of a pipeline's mesh, after which your own blocks can be inserted.</summary>
public enum ToolPipelineStage
{
    /// <summary>After the parser: your block sees every parsed event (text, closed calls) before execution.</summary>
    Parse,

    /// <summary>After execution: your block sees every outcome before results are merged into the conversation.</summary>
    Execute,
}
