using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Pipeline;

/// <summary>The last event of a run.</summary>
/// <param name="Reason">Why the run ended.</param>
/// <param name="Messages">The whole conversation: the caller's messages, then every message the run added.</param>
/// <param name="Turns">How many model turns ran.</param>
public sealed record RunCompleted(RunCompletionReason Reason, IReadOnlyList<ChatMessage> Messages, int Turns) : ToolPipelineEvent
{
    /// <summary>The model's final text: the last assistant message's text.</summary>
    public string FinalText
    {
        get
        {
            for (int i = Messages.Count - 1; i >= 0; i--)
            {
                if (Messages[i].Role == ChatRole.Assistant)
                {
                    return Messages[i].Text;
                }
            }

            return string.Empty;
        }
    }
}
