namespace ToolFlow.StreamParsers;

/// <summary>
/// The syntax of one tool-call format for <see cref="MarkedJsonToolCallParser"/>: the markers that start a call in
/// text, a small program of steps that reads what follows (markers, names, JSON bodies, end markers), and how the
/// format marks reasoning. Build one with <see cref="MarkedJsonGrammarBuilder"/>.
/// </summary>
internal sealed class MarkedJsonGrammar
{
    /// <summary>Goto target: drop what the block holds (markup) and read text.</summary>
    public const int End = -2;

    /// <summary>Goto target: surface what the block holds as text and read text.</summary>
    public const int EndText = -3;

    /// <summary>Goto target: the input is not in the format here.</summary>
    public const int Fail = -4;

    /// <summary>Trigger entry that marks the reasoning end marker met outside reasoning: it is dropped.</summary>
    public const int StrayReasoningEnd = -6;

    public required string Name { get; init; }

    /// <summary>The markers that start a block in text, with <see cref="TriggerEntries"/> and <see cref="TriggerSpeculative"/> by index.</summary>
    public required MarkedLiteralSet Triggers { get; init; }

    public required int[] TriggerEntries { get; init; }

    /// <summary>Per trigger: whether a block it starts that turns out not to be a call is plain text, without a diagnostic.</summary>
    public required bool[] TriggerSpeculative { get; init; }

    public required MarkedJsonStep[] Steps { get; init; }

    /// <summary>The step the response starts in, or -1 to start in text.</summary>
    public int InitialEntry { get; init; } = -1;

    /// <summary>The marker that opens reasoning at the start of the response, if the format has one.</summary>
    public string? ReasoningStart { get; init; }

    /// <summary>The marker that ends reasoning, if the format marks reasoning.</summary>
    public string? ReasoningEnd { get; init; }

    /// <summary>Whether a call's start marker also ends reasoning (Kimi K2 writes calls right after its thoughts).</summary>
    public bool CallEndsReasoning { get; init; }

    /// <summary>The literals that end reasoning: the end marker, then the triggers when <see cref="CallEndsReasoning"/>.</summary>
    public MarkedLiteralSet? ReasoningEndSet { get; init; }

    /// <summary>
    /// What the response may start with: the reasoning start marker (if the format has one) at index 0, then the
    /// triggers. A trigger before any text means the model wrote no reasoning, even when the prompt opened it.
    /// </summary>
    public required MarkedLiteralSet StartSet { get; init; }

    /// <summary>Whether <see cref="StartSet"/> begins with the reasoning start marker.</summary>
    public bool StartSetHasReasoningStart => ReasoningStart is not null;

    /// <summary>Whether a call whose arguments are still open when the response ends completes, with an error, rather than being aborted.</summary>
    public bool CompleteUnclosedArgumentsAtEnd { get; init; }
}
