using System.Text;
using ToolFlow.Blocks;

namespace ToolFlow.Cli.Calls;

/// <summary>
/// One tool call as the terminal shows it. <see cref="CallBoard"/> folds a run's events into these; the text held is
/// as the model, tool or server wrote it (cut to the limits below), and <see cref="CallRenderer"/> makes it safe to print.
/// </summary>
internal sealed class CallRow
{
    /// <summary>The most argument or result characters a row keeps; previews are shorter still.</summary>
    public const int MaxTextKept = 4096;

    private readonly StringBuilder _arguments = new();

    internal CallRow(int number, string callId, string name, int turn)
    {
        Number = number;
        CallId = callId;
        Name = name;
        Turn = turn;
    }

    /// <summary>The call's position in the run, from 1, in the order calls appeared.</summary>
    public int Number { get; }

    /// <summary>The call id.</summary>
    public string CallId { get; }

    /// <summary>The tool name.</summary>
    public string Name { get; internal set; }

    /// <summary>The model turn that made the call.</summary>
    public int Turn { get; }

    /// <summary>Where the call stands.</summary>
    public CallState State { get; internal set; } = CallState.Detected;

    /// <summary>The arguments text so far, at most <see cref="MaxTextKept"/> characters.</summary>
    public string Arguments => _arguments.ToString();

    /// <summary>Whether the arguments are complete.</summary>
    public bool ArgumentsComplete { get; internal set; }

    /// <summary>When the arguments closed, from the start of the run.</summary>
    public TimeSpan? ClosedAt { get; internal set; }

    /// <summary>When a tool first started the call, from the start of the run.</summary>
    public TimeSpan? StartedAt { get; internal set; }

    /// <summary>What a <see cref="CallState.Waiting"/> call waits for; <see langword="null"/> when it waits for an identical call (<see cref="DuplicateOf"/>).</summary>
    public ToolCallWaitReason? WaitReason { get; internal set; }

    /// <summary>For a wait on dependencies, the calls it waits for, as <c>#N</c> (or their ids when not seen).</summary>
    public IReadOnlyList<string> WaitingOn { get; internal set; } = [];

    /// <summary>The earlier identical call whose run answers for this one, when the pipeline deduplicated it.</summary>
    public CallRow? DuplicateOf { get; internal set; }

    /// <summary>Which attempt runs now, from 1; above 1 after retries.</summary>
    public int Attempt { get; internal set; } = 1;

    /// <summary>Why the last attempt failed, when the call is being retried.</summary>
    public string? RetryError { get; internal set; }

    /// <summary>How far the running call has got, when its tool reports progress.</summary>
    public CallProgress? Progress { get; internal set; }

    /// <summary>How long the tool ran, once the call ended (none when it never started).</summary>
    public TimeSpan? Duration { get; internal set; }

    /// <summary>The result as text, once <see cref="CallState.Done"/>; at most <see cref="MaxTextKept"/> characters.</summary>
    public string? Result { get; internal set; }

    /// <summary>What went wrong, once <see cref="CallState.Failed"/> or <see cref="CallState.Cancelled"/>.</summary>
    public ToolCallFailureKind? FailureKind { get; internal set; }

    /// <summary>The pipeline's sentence about the failure or cancellation.</summary>
    public string? Error { get; internal set; }

    /// <summary>A result that arrived after the call had ended (it was cancelled while running), never used.</summary>
    public string? DiscardedResult { get; internal set; }

    internal void AppendArguments(string fragment)
    {
        if (_arguments.Length < MaxTextKept)
        {
            _arguments.Append(fragment, 0, Math.Min(fragment.Length, MaxTextKept - _arguments.Length));
        }
    }

    internal void SetArguments(string text)
    {
        _arguments.Clear();
        AppendArguments(text);
        ArgumentsComplete = true;
    }
}
