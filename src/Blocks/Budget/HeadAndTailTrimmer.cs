using System.Globalization;

namespace ToolFlow.Blocks;

/// <summary>Keeps whole tokens from the start and the end; the note goes where the middle was cut.</summary>
internal sealed class HeadAndTailTrimmer : ToolResultTrimmer
{
    public const string StrategyName = "head-and-tail";

    public override string Name => StrategyName;

    public override ValueTask<string> TrimAsync(ToolResultTrimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return new(Trim(request));
    }

    public static string Trim(ToolResultTrimRequest request) =>
        Cut(request.Text, request.BudgetTokens, request.Counter, (head, cut, tail) => string.Create(
            CultureInfo.InvariantCulture,
            $"[ToolFlow cut this result from {request.Tokens:N0} tokens to fit its budget of {request.BudgetTokens:N0}: kept the first {head:N0} and the last {tail:N0} characters and cut the {cut:N0} characters between them here. {request.ReferenceNote}]"),
            trailer: null);

    /// <summary>
    /// The largest head and tail (in whole tokens, as even as the budget allows) such that
    /// <c>head \n note \n tail (\n trailer)</c> counts at most <paramref name="budget"/> tokens. The count of the whole
    /// is checked, since tokens can merge across the joins; each retry gives up the overshoot.
    /// </summary>
    public static string Cut(string text, int budget, ITokenCounter counter, Func<int, int, int, string> note, string? trailer)
    {
        (IReadOnlyList<int> headPieces, IReadOnlyList<int> tailPieces) = Pieces(text, budget, counter);
        int fixedTokens = counter.CountTokens(note(text.Length, text.Length, text.Length)) + (trailer is null ? 0 : counter.CountTokens(trailer) + 1) + 2;
        int content = Math.Min(budget - fixedTokens, headPieces == tailPieces ? headPieces.Count : int.MaxValue);
        for (int attempt = 0; attempt < MaxFitAttempts; attempt++)
        {
            int headTokens = Math.Max(0, (content + 1) / 2);
            int tailTokens = Math.Max(0, content - headTokens);
            int headChars = 0;
            for (int i = 0; i < headTokens; i++)
            {
                headChars += headPieces[i];
            }

            int tailChars = 0;
            for (int i = 0; i < tailTokens; i++)
            {
                tailChars += tailPieces[tailPieces.Count - 1 - i];
            }

            string composed = string.Concat(
                text.AsSpan(0, headChars),
                "\n" + note(headChars, text.Length - headChars - tailChars, tailChars) + "\n",
                text.AsSpan(text.Length - tailChars),
                trailer is null ? string.Empty : "\n" + trailer);
            int tokens = counter.CountTokens(composed);
            if (tokens <= budget || content <= 0)
            {
                return composed;
            }

            content -= Math.Max(1, tokens - budget);
        }

        // Unreachable in practice (each attempt gives up at least the overshoot); the note alone is the safe answer.
        return note(0, text.Length, 0) + (trailer is null ? string.Empty : "\n" + trailer);
    }

    /// <summary>
    /// The token pieces of the text's start and end. A long text is split only in a window at each end, wide enough for
    /// the budget (a boundary near a window's inner edge may differ from the whole text's, but no cut reaches it, and the
    /// fit check counts the result anyway); a short one, or one whose windows hold too few tokens, is split whole.
    /// </summary>
    private static (IReadOnlyList<int> Head, IReadOnlyList<int> Tail) Pieces(string text, int budget, ITokenCounter counter)
    {
        long window = ((long)budget * WindowCharsPerToken) + 1024;
        if (text.Length > 2 * window)
        {
            int tailStart = text.Length - (int)window;
            if (char.IsLowSurrogate(text[tailStart]))
            {
                tailStart++;
            }

            IReadOnlyList<int> head = counter.SplitTokens(text[..(int)window]);
            IReadOnlyList<int> tail = counter.SplitTokens(text[tailStart..]);
            if (head.Count > budget && tail.Count > budget)
            {
                return (head, tail);
            }
        }

        IReadOnlyList<int> whole = counter.SplitTokens(text);
        return (whole, whole);
    }

    /// <summary>The characters per token a window at each end allows for: far more than text averages (about 4).</summary>
    private const int WindowCharsPerToken = 16;

    /// <summary>How many times a cut is recounted before only the note is kept.</summary>
    private const int MaxFitAttempts = 16;
}
