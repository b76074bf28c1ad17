namespace ToolFlow.Blocks;

/// <summary>
/// A way to cut a tool's result down to a token budget before it enters the conversation. The text it returns is what
/// the model sees, and must say, in a note, what was cut; the full result stays on <see cref="ToolCallCompleted.Result"/>
/// (for the ledger, and for later calls that refer to it). ToolFlow counts what a trimmer returns and cuts it by
/// <see cref="HeadAndTail"/> when it is still over budget.
/// </summary>
public abstract class ToolResultTrimmer
{
    /// <summary>The strategy's name, for <see cref="ToolResultTrimmed.Strategy"/>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Keeps the start and the end of the text, as many tokens of each as fit, with a note where the middle was cut.
    /// Token-exact: the kept text and the note together fit the budget.
    /// </summary>
    public static ToolResultTrimmer HeadAndTail { get; } = new HeadAndTailTrimmer();

    /// <summary>
    /// For JSON: keeps the document's shape, dropping items from the end of the longest arrays and cutting the longest
    /// strings from their end, and says in a note how many items and characters went and where. Text that is not
    /// JSON, or JSON that cannot fit this way, is cut by <see cref="HeadAndTail"/>.
    /// </summary>
    public static ToolResultTrimmer Json { get; } = new JsonTrimmer();

    /// <summary>
    /// Your own way, for instance a summary by another model. Your text is followed by ToolFlow's note saying the
    /// result was replaced; the request's budget is what your text may take (the note's tokens are set aside). Text
    /// still over budget is cut by <see cref="HeadAndTail"/>; an exception, or no answer within the merge block's
    /// <see cref="ToolResultMergeBlockOptions.TrimTimeout"/>, falls back to <see cref="HeadAndTail"/> on the whole
    /// result with a <see cref="DiagnosticReported"/>.
    /// </summary>
    /// <param name="name">The strategy's name in events and in the note.</param>
    /// <param name="trim">Makes the shorter text.</param>
    /// <returns>The trimmer.</returns>
    public static ToolResultTrimmer FromDelegate(string name, Func<ToolResultTrimRequest, CancellationToken, ValueTask<string>> trim)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(trim);
        return new DelegateTrimmer(name, trim);
    }

    /// <summary>Cuts <see cref="ToolResultTrimRequest.Text"/> to at most <see cref="ToolResultTrimRequest.BudgetTokens"/> tokens.</summary>
    /// <param name="request">The result and its budget; its text is over budget.</param>
    /// <param name="cancellationToken">Cancels the cut (the run ended, or the trim timed out).</param>
    /// <returns>The text the model sees in place of the result, with a note saying what was cut.</returns>
    public abstract ValueTask<string> TrimAsync(ToolResultTrimRequest request, CancellationToken cancellationToken);
}
