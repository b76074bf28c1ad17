using System.Globalization;

namespace ToolFlow.Blocks;

/// <summary>The user's own text in place of the result, followed by ToolFlow's note; cut by head and tail when too long.</summary>
internal sealed class DelegateTrimmer(string name, Func<ToolResultTrimRequest, CancellationToken, ValueTask<string>> trim) : ToolResultTrimmer
{
    public override string Name => name;

    public override async ValueTask<string> TrimAsync(ToolResultTrimRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        string note = Note(request);
        int noteTokens = request.Counter.CountTokens(note) + 1;
        string text = await trim(request with { BudgetTokens = Math.Max(1, request.BudgetTokens - noteTokens) }, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The trimmer '{name}' returned null.");
        string composed = text + "\n" + note;
        if (request.Counter.CountTokens(composed) <= request.BudgetTokens)
        {
            return composed;
        }

        // Still too long: its own text is cut in the middle, and the note says so too.
        return HeadAndTailTrimmer.Cut(
            text,
            request.BudgetTokens,
            request.Counter,
            static (_, cut, _) => string.Create(CultureInfo.InvariantCulture, $"[ToolFlow cut {cut:N0} characters here to fit the budget.]"),
            note);
    }

    private string Note(ToolResultTrimRequest request) => string.Create(
        CultureInfo.InvariantCulture,
        $"[ToolFlow replaced this result of {request.Tokens:N0} tokens with the text above, by '{name}', to fit its budget of {request.BudgetTokens:N0} tokens. {request.ReferenceNote}]");
}
