namespace ToolFlow.Blocks;

/// <summary>Options of <see cref="ToolResultMergeBlock"/>.</summary>
public sealed class ToolResultMergeBlockOptions : ToolBlockOptions
{
    /// <summary>The smallest token budget a result may be given: below it the note saying what was cut would not fit.</summary>
    public const int MinimumResultTokens = 200;

    /// <summary>
    /// Futures mode (AsyncFC): a turn completes as soon as its response does; each call still running gets a future
    /// placeholder as its result, and <see cref="FutureResolved"/> follows when it ends. Default <see langword="false"/>:
    /// a turn completes once every call has an outcome.
    /// </summary>
    public bool UseFutures { get; set; }

    /// <summary>
    /// The most tokens one result may add to the conversation, for tools without their own
    /// <see cref="ToolDescriptor.MaxResultTokens"/>; <see langword="null"/> (the default) for no limit. At least
    /// <see cref="MinimumResultTokens"/>. A result with a budget is counted, and cut when over, off the merge path: its
    /// <see cref="ToolCallCompleted"/> waits for that; a result without one is never counted.
    /// </summary>
    public int? MaxResultTokens { get; set => field = ValidBudget(value); }

    /// <summary>
    /// The most tokens all of a turn's results may add together; <see langword="null"/> (the default) for no limit. At
    /// least <see cref="MinimumResultTokens"/>. When the turn's results are over it, it is split among them in call
    /// order, water-filling: results smaller than an equal share stay whole, the others share what is left equally
    /// (the remainder going to the earliest), and each is cut to its share with its tool's trimmer. Failed calls' error
    /// texts and futures' placeholders count but are never cut.
    /// </summary>
    public int? MaxTurnResultTokens { get; set => field = ValidBudget(value); }

    /// <summary>How results are cut, for tools without their own <see cref="ToolDescriptor.ResultTrimmer"/>. Default <see cref="ToolResultTrimmer.HeadAndTail"/>.</summary>
    public ToolResultTrimmer ResultTrimmer { get; set => field = OptionsValidation.NotNull(value); } = ToolResultTrimmer.HeadAndTail;

    /// <summary>
    /// The tokenizer budgets are counted with; required when any budget is set. <see langword="null"/> by default; a
    /// <c>ToolPipeline</c> gives it its own <c>TokenCounter</c> (o200k_base unless set).
    /// </summary>
    public ITokenCounter? TokenCounter { get; set; }

    /// <summary>
    /// How long, on the block's clock, one trim may take before it is given up and the result is cut by head and tail
    /// instead (with a <see cref="DiagnosticReported"/> <c>toolflow.trim.timed_out</c>). Default 30 seconds; from
    /// <see cref="TimeSpan.Zero"/> to <see cref="int.MaxValue"/> milliseconds.
    /// </summary>
    public TimeSpan TrimTimeout { get; set => field = OptionsValidation.TimerSpan(value); } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether later calls can read a cut result's whole value by <c>{"$future": "call id"}</c> (the execution block's
    /// <see cref="ToolExecutionBlockOptions.ReferenceSyntax"/> includes <see cref="ToolReferenceSyntax.Futures"/>, the
    /// default): the note the model sees says so only when it is true. Default <see langword="true"/>.
    /// </summary>
    public bool ResultsReferable { get; set; } = true;

    internal bool HasBudget => MaxResultTokens is not null || MaxTurnResultTokens is not null;

    internal static int? ValidBudget(int? value)
    {
        if (value is { } tokens)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(tokens, MinimumResultTokens, nameof(value));
        }

        return value;
    }

    internal ToolResultMergeBlockOptions Clone()
    {
        var clone = new ToolResultMergeBlockOptions
        {
            UseFutures = UseFutures,
            MaxResultTokens = MaxResultTokens,
            MaxTurnResultTokens = MaxTurnResultTokens,
            ResultTrimmer = ResultTrimmer,
            TokenCounter = TokenCounter,
            TrimTimeout = TrimTimeout,
            ResultsReferable = ResultsReferable,
        };
        CopyTo(clone);
        return clone;
    }
}
