using System.Globalization;

namespace ToolFlow.Blocks;

/// <summary>
/// Runs a trimmer on one result with the merge block's counter and time limit, checks what it returns against the
/// budget, and falls back to head and tail (with a diagnostic) when the trimmer fails, overruns its time or its budget.
/// Never loses the result: the worst case is the head-and-tail cut of it.
/// </summary>
internal sealed class ResultTrimming(ITokenCounter counter, TimeSpan timeout, TimeProvider timeProvider, bool canReference)
{
    public ITokenCounter Counter => counter;

    /// <summary>The sentence every note ends with: how the full result can still be read, truthfully for this run.</summary>
    public string ReferenceNote(ToolCall call) => canReference
        ? $"The full result is kept: pass {{\"$future\": \"{call.CallId}\"}} as an argument to another tool to give it the whole result."
        : "The full result is kept in the run's record, but no later call in this conversation can read it; if you need what was cut, ask the tool for less.";

    public async Task<Trimmed> TrimAsync(ToolCall call, string text, int tokens, int budget, ToolResultTrimmer trimmer, ToolResultTrimScope scope, CancellationToken cancellationToken)
    {
        var request = new ToolResultTrimRequest(call, text, tokens, budget, counter, scope, ReferenceNote(call));
        string strategy = trimmer.Name;
        string? cut = null;
        DiagnosticReported? diagnostic = null;
        using var timer = new CancellationTokenSource(timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            ValueTask<string> pending = trimmer.TrimAsync(request, linked.Token);

            // WaitAsync bounds the time even for a trimmer that ignores its token.
            cut = pending.IsCompletedSuccessfully ? pending.Result : await pending.AsTask().WaitAsync(linked.Token).ConfigureAwait(false);
            if (cut is null)
            {
                diagnostic = Diagnostic("toolflow.trim.failed", $"The trimmer '{strategy}' returned null for the result of '{call.Name}' ({call.CallId}); it was cut by head and tail instead.");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            diagnostic = Diagnostic("toolflow.trim.timed_out", string.Create(CultureInfo.InvariantCulture, $"The trimmer '{strategy}' did not answer within {timeout.TotalSeconds:0.###} s (TrimTimeout) for the result of '{call.Name}' ({call.CallId}); it was cut by head and tail instead."));
        }
        catch (Exception e)
        {
            diagnostic = Diagnostic("toolflow.trim.failed", $"The trimmer '{strategy}' failed on the result of '{call.Name}' ({call.CallId}): {e.GetType().Name}: {e.Message} It was cut by head and tail instead.");
        }

        if (cut is null)
        {
            cut = HeadAndTailTrimmer.Trim(request);
            strategy = HeadAndTailTrimmer.StrategyName;
        }

        int after = counter.CountTokens(cut);
        if (after > budget)
        {
            diagnostic ??= Diagnostic("toolflow.trim.over_budget", string.Create(CultureInfo.InvariantCulture, $"The trimmer '{strategy}' returned {after:N0} tokens for the result of '{call.Name}' ({call.CallId}), over its budget of {budget:N0}; its text was cut by head and tail."));
            cut = HeadAndTailTrimmer.Trim(request with { Text = cut, Tokens = after });
            after = counter.CountTokens(cut);
        }

        return new Trimmed(cut, tokens, after, budget, strategy, diagnostic);
    }

    private static DiagnosticReported Diagnostic(string code, string message) => new(code, message);

    /// <summary>What a cut gave: the text the model sees, the counts, the strategy that made it, and what went wrong.</summary>
    public sealed record Trimmed(string Text, int TokensBefore, int TokensAfter, int BudgetTokens, string Strategy, DiagnosticReported? Diagnostic);
}
