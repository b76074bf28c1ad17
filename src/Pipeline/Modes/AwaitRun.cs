using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>
/// Await mode, the standard loop: a turn's results go back together once every call has ended, and the run ends when
/// the model answers without calls.
/// </summary>
internal class AwaitRun(ToolPipeline pipeline, List<ChatMessage> history, CancellationToken cancellationToken)
    : PipelineRun(pipeline, history, cancellationToken)
{
    protected override void OnTurnCompleted(TurnCompleted completed)
    {
        if (completed.HasToolCalls)
        {
            NextTurn();
        }
        else
        {
            Finish(RunCompletionReason.FinalAnswer);
        }
    }
}
