using System.Reactive.Subjects;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

// Token budgets: a result's own cut (off the handler, posted back as a TrimmedResult) and a turn's (where the turn's
// results are joined, while the handler waits for it).
public sealed partial class ToolResultMergeBlock
{
    private int? BudgetFor(ToolCall call) =>
        _tools.TryGetValue(call.Name, out ToolDescriptor? tool) && tool.MaxResultTokens is { } own ? own : _budgets!.MaxResultTokens;

    private ToolResultTrimmer TrimmerFor(ToolCall call) =>
        _tools.TryGetValue(call.Name, out ToolDescriptor? tool) && tool.ResultTrimmer is { } own ? own : _budgets!.ResultTrimmer;

    // A token is at least one byte of UTF-8 (byte-level BPE), so a result of no more bytes than the budget fits without
    // counting: small results stay on this path and cost only the byte count.
    // A JSON result's raw UTF-8 (quotes and escapes included) is no shorter than the text the model reads.
    private static bool SurelyWithin(object? result, int budget) => result switch
    {
        string text => text.Length <= budget / 3 || (text.Length <= budget && Encoding.UTF8.GetByteCount(text) <= budget),
        JsonElement { ValueKind: not JsonValueKind.Undefined } json => JsonMarshal.GetRawUtf8Value(json).Length <= budget,
        _ => false,
    };

    private void StartTrim(ToolCallCompleted completed, int budget)
    {
        Task trim = Task.Factory.StartNew(() => TrimAsync(completed, budget), CancellationToken, TaskCreationOptions.DenyChildAttach, TaskScheduler).Unwrap();
        _trims.TryAdd(trim, 0);
        _ = trim.ContinueWith(static (t, s) => ((System.Collections.Concurrent.ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), _trims, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task TrimAsync(ToolCallCompleted completed, int budget)
    {
        TrimmedResult result;
        try
        {
            string text = ToolResultText.Of(completed.Result);
            int tokens = _trimming!.Counter.CountTokens(text);
            if (tokens <= budget)
            {
                result = new TrimmedResult(completed, null, tokens, tokens);
            }
            else
            {
                ResultTrimming.Trimmed cut = await _trimming.TrimAsync(completed.Call, text, tokens, budget, TrimmerFor(completed.Call), ToolResultTrimScope.Tool, CancellationToken).ConfigureAwait(false);
                result = new TrimmedResult(completed with { ResultForModel = cut.Text }, cut, tokens, cut.TokensAfter);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !CancellationToken.IsCancellationRequested)
        {
            // Counting itself failed (a tokenizer of the user's): the result goes in whole rather than not at all.
            result = new TrimmedResult(completed, null, -1, -1)
            {
                Problem = new DiagnosticReported("toolflow.trim.failed", $"The result of '{completed.Call.Name}' ({completed.Call.CallId}) could not be counted ({e.GetType().Name}: {e.Message}); it enters the conversation whole."),
            };
        }

        if (!this.Post(result))
        {
            // The input has completed; OnInputCompletedAsync takes it.
            _late.Enqueue(result);
        }
    }

    // A result's cut is back: its events go out and its outcome is recorded, as if it had just arrived.
    private void Accept(TrimmedResult trimmed)
    {
        ToolCallCompleted completed = trimmed.Completed;
        if (trimmed.Problem is { } problem)
        {
            Number(problem with { Turn = completed.Turn });
        }

        if (trimmed.Cut is { } cut)
        {
            if (cut.Diagnostic is { } diagnostic)
            {
                Number(diagnostic with { Turn = completed.Turn });
            }

            Number(new ToolResultTrimmed(completed.Call, cut.TokensBefore, cut.TokensAfter, cut.BudgetTokens, cut.Strategy, ToolResultTrimScope.Tool) { Turn = completed.Turn });
        }

        if (trimmed.Whole >= 0 && _budgets!.MaxTurnResultTokens is not null)
        {
            _counted[completed.Call.CallId] = (trimmed.Whole, trimmed.ForModel);
        }

        Number(completed);
        _outcomes.Record(completed.Call.CallId, completed);
    }

    private void SubscribeFutures(AsyncSubject<ToolPipelineEvent>[] outcomes)
    {
        foreach (AsyncSubject<ToolPipelineEvent> outcome in outcomes)
        {
            if (!outcome.IsCompleted)
            {
                outcome.Subscribe(_resolveFuture);
            }
        }
    }

    // Runs on the block's scheduler while the handler waits for it; numbers the turn's cuts, then the turn.
    private async Task CompleteTurnWithinBudgetAsync(ResponseCompleted response, AsyncSubject<ToolPipelineEvent>[] outcomes, int turnBudget)
    {
        IReadOnlyList<ToolCall> calls = response.Calls;
        var results = new AIContent[outcomes.Length];
        int[] tokens = new int[outcomes.Length];
        bool[] cuttable = new bool[outcomes.Length];
        var futures = new List<string>();
        for (int i = 0; i < outcomes.Length; i++)
        {
            ToolCall call = calls[i];
            if (!outcomes[i].IsCompleted)
            {
                futures.Add(call.CallId);
                results[i] = new FunctionResultContent(call.CallId, ToolFuture.Placeholder(call));
                tokens[i] = _trimming!.Counter.CountTokens((string)((FunctionResultContent)results[i]).Result!);
                continue;
            }

            ToolPipelineEvent outcome = outcomes[i].GetResult();
            results[i] = ToResult(call, outcome);
            if (outcome is ToolCallCompleted completed)
            {
                cuttable[i] = true;
                tokens[i] = _counted.Remove(call.CallId, out (int Whole, int ForModel) counted)
                    ? counted.ForModel
                    : _trimming!.Counter.CountTokens(completed.ResultForModel ?? ToolResultText.Of(completed.Result));
            }
            else
            {
                tokens[i] = _trimming!.Counter.CountTokens(((ToolCallFailed)outcome).ResultForModel);
            }
        }

        int[] shares = TurnShares.Split(tokens, cuttable, turnBudget);
        for (int i = 0; i < outcomes.Length; i++)
        {
            if (!cuttable[i] || tokens[i] <= shares[i])
            {
                continue;
            }

            // Cut from the whole result, so the note counts from what the tool returned.
            var completed = (ToolCallCompleted)outcomes[i].GetResult();
            string whole = ToolResultText.Of(completed.Result);
            int wholeTokens = completed.ResultForModel is null ? tokens[i] : _trimming!.Counter.CountTokens(whole);
            ResultTrimming.Trimmed cut = await _trimming!.TrimAsync(calls[i], whole, wholeTokens, shares[i], TrimmerFor(calls[i]), ToolResultTrimScope.Turn, CancellationToken).ConfigureAwait(false);
            if (cut.Diagnostic is { } diagnostic)
            {
                Number(diagnostic with { Turn = response.Turn });
            }

            Number(new ToolResultTrimmed(calls[i], cut.TokensBefore, cut.TokensAfter, cut.BudgetTokens, cut.Strategy, ToolResultTrimScope.Turn) { Turn = response.Turn });
            results[i] = new FunctionResultContent(calls[i].CallId, cut.Text);
        }

        var messages = new List<ChatMessage>(2) { response.Message, new(ChatRole.Tool, results) };
        Number(new TurnCompleted(messages, response) { Turn = response.Turn, PendingFutures = futures });
    }

    /// <summary>A result's cut, posted back to the block's own input; never leaves the block.</summary>
    private sealed record TrimmedResult(ToolCallCompleted Completed, ResultTrimming.Trimmed? Cut, int Whole, int ForModel) : ToolPipelineEvent
    {
        public DiagnosticReported? Problem { get; init; }
    }
}
