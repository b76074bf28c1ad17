using System.Threading.Tasks.Dataflow;

namespace ToolFlow.Blocks;

/// <summary>Options of <see cref="ToolExecutionBlock"/>.</summary>
public sealed class ToolExecutionBlockOptions : ToolBlockOptions
{
    /// <summary>The most calls running at once; <see cref="DataflowBlockOptions.Unbounded"/> (-1) for no limit. Default 16.</summary>
    public int MaxConcurrency
    {
        get;
        set
        {
            if (value is not DataflowBlockOptions.Unbounded)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            }

            field = value;
        }
    } = 16;

    /// <summary>When a complete call may start. Default <see cref="ToolDispatchTiming.OnCallClosed"/>.</summary>
    public ToolDispatchTiming DispatchTiming
    {
        get;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value));
            }

            field = value;
        }
    }

    /// <summary>
    /// Whether the model sees a throwing tool's exception message. Default <see langword="false"/>: the model sees
    /// that the tool failed, and the exception goes only to the <see cref="ToolCallFailed"/> event, as with
    /// <c>FunctionInvokingChatClient.IncludeDetailedErrors</c>.
    /// </summary>
    public bool IncludeDetailedErrors { get; set; }

    internal ToolExecutionBlockOptions Clone()
    {
        var clone = new ToolExecutionBlockOptions
        {
            MaxConcurrency = MaxConcurrency,
            DispatchTiming = DispatchTiming,
            IncludeDetailedErrors = IncludeDetailedErrors,
        };
        CopyTo(clone);
        return clone;
    }
}
