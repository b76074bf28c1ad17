namespace ToolFlow.Blocks;

/// <summary>Something in the model's output or the mesh was not as expected; the run goes on.</summary>
/// <param name="Code">A stable, machine-readable code.</param>
/// <param name="Message">A sentence for people.</param>
public sealed record DiagnosticReported(string Code, string Message) : ToolPipelineEvent;
