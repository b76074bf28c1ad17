using System.Text.Json;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

public sealed class ToolResultTrimmerTests
{
    private const string Reference = "The full result is kept: pass {\"$future\": \"call_1_0\"} as an argument to another tool to give it the whole result.";
    private static readonly ToolCall s_call = Call(0, "read_log", "{}");

    private static ToolResultTrimRequest Request(string text, int budget = 4_000) =>
        new(s_call, text, BudgetTexts.Counter.CountTokens(text), budget, BudgetTexts.Counter, ToolResultTrimScope.Tool, Reference);

    [Fact]
    public async Task HeadAndTail_200kTokenLogInto4k_FitsKeepsBothEndsAndSaysWhatWasCut()
    {
        ToolResultTrimRequest request = Request(BudgetTexts.Log);
        Assert.Equal(202_801, request.Tokens);

        string cut = await ToolResultTrimmer.HeadAndTail.TrimAsync(request, CancellationToken.None);

        Assert.InRange(BudgetTexts.Counter.CountTokens(cut), 3_900, 4_000);
        Assert.Equal(BudgetTexts.Log[..6_460], cut[..6_460]);
        Assert.EndsWith(BudgetTexts.Log[^6_469..], cut, StringComparison.Ordinal);
        Assert.Equal(
            "\n[ToolFlow cut this result from 202,801 tokens to fit its budget of 4,000: kept the first 6,460 and the last 6,469 characters and cut the 656,507 characters between them here. " + Reference + "]\n",
            cut[6_460..^6_469]);
        Assert.Equal(6_460 + 656_507 + 6_469, BudgetTexts.Log.Length);
    }

    [Fact]
    public async Task HeadAndTail_EveryBudget_NeverOverBudget()
    {
        string text = BudgetTexts.Log[..40_000];
        foreach (int budget in new[] { ToolResultMergeBlockOptions.MinimumResultTokens, 333, 1_000, 2_048, 5_000 })
        {
            string cut = await ToolResultTrimmer.HeadAndTail.TrimAsync(Request(text, budget), CancellationToken.None);
            Assert.True(BudgetTexts.Counter.CountTokens(cut) <= budget, $"budget {budget}");
            Assert.Contains("[ToolFlow cut this result from", cut, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Json_200kTokenArrayInto4k_KeepsTheShapeDropsItemsFromTheEndAndSaysHowMany()
    {
        ToolResultTrimRequest request = Request(BudgetTexts.Json);
        Assert.Equal(202_529, request.Tokens);

        string cut = await ToolResultTrimmer.Json.TrimAsync(request, CancellationToken.None);

        Assert.InRange(BudgetTexts.Counter.CountTokens(cut), 3_500, 4_000);
        int noteAt = cut.LastIndexOf("\n[ToolFlow", StringComparison.Ordinal);
        Assert.Equal(
            "\n[ToolFlow cut this JSON result from 202,529 tokens to fit its budget of 4,000: dropped the last 6,079 of 6,200 items of $.items. " + Reference + "]",
            cut[noteAt..]);

        // What is kept is still the document: its other fields whole, the array's first items as they were.
        using JsonDocument kept = JsonDocument.Parse(cut[..noteAt]);
        using JsonDocument whole = JsonDocument.Parse(BudgetTexts.Json);
        Assert.Equal(121, kept.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal("hall-7 gateway", kept.RootElement.GetProperty("source").GetString());
        Assert.Equal(6_200, kept.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(whole.RootElement.GetProperty("items")[120].GetRawText(), kept.RootElement.GetProperty("items")[120].GetRawText());
    }

    [Fact]
    public async Task Json_LongStrings_CutFromTheirEndAndNamedByPath()
    {
        string text = JsonSerializer.Serialize(new { title = "short", body = string.Concat(Enumerable.Repeat("All work and no play makes Jack a dull boy. ", 400)) });
        ToolResultTrimRequest request = Request(text, 300);

        string cut = await ToolResultTrimmer.Json.TrimAsync(request, CancellationToken.None);

        Assert.True(BudgetTexts.Counter.CountTokens(cut) <= 300);
        int noteAt = cut.LastIndexOf("\n[ToolFlow", StringComparison.Ordinal);
        using JsonDocument kept = JsonDocument.Parse(cut[..noteAt]);
        string body = kept.RootElement.GetProperty("body").GetString()!;
        Assert.StartsWith("All work and no play", body, StringComparison.Ordinal);
        Assert.Equal("short", kept.RootElement.GetProperty("title").GetString());
        Assert.Equal(
            $"\n[ToolFlow cut this JSON result from {request.Tokens:N0} tokens to fit its budget of 300: cut the last {17_600 - body.Length:N0} of 17,600 characters of $.body. " + Reference + "]",
            cut[noteAt..]);
    }

    [Fact]
    public async Task Json_NotJson_FallsBackToHeadAndTail()
    {
        string cut = await ToolResultTrimmer.Json.TrimAsync(Request(BudgetTexts.Log), CancellationToken.None);

        Assert.True(BudgetTexts.Counter.CountTokens(cut) <= 4_000);
        Assert.Contains("\n[ToolFlow cut this result from 202,801 tokens to fit its budget of 4,000: kept the first ", cut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromDelegate_ShortText_FollowedByToolFlowsNote()
    {
        ToolResultTrimRequest? seen = null;
        ToolResultTrimmer trimmer = ToolResultTrimmer.FromDelegate("summary", (r, _) =>
        {
            seen = r;
            return ValueTask.FromResult("12,000 log lines; 924 warnings; readings within range.");
        });

        string cut = await trimmer.TrimAsync(Request(BudgetTexts.Log), CancellationToken.None);

        Assert.Equal(
            "12,000 log lines; 924 warnings; readings within range.\n[ToolFlow replaced this result of 202,801 tokens with the text above, by 'summary', to fit its budget of 4,000 tokens. " + Reference + "]",
            cut);

        // The delegate's budget leaves room for the note.
        Assert.Equal(4_000 - BudgetTexts.Counter.CountTokens(cut.AsSpan(cut.IndexOf('[', StringComparison.Ordinal))) - 1, seen!.BudgetTokens);
        Assert.Same(BudgetTexts.Log, seen.Text);
    }

    [Fact]
    public async Task FromDelegate_TextStillTooLong_CutByHeadAndTailAndStillNoted()
    {
        ToolResultTrimmer trimmer = ToolResultTrimmer.FromDelegate("lazy", (r, _) => ValueTask.FromResult(r.Text.AsSpan(0, 100_000).ToString()));

        string cut = await trimmer.TrimAsync(Request(BudgetTexts.Log), CancellationToken.None);

        Assert.True(BudgetTexts.Counter.CountTokens(cut) <= 4_000);
        Assert.Contains(" characters here to fit the budget.]\n", cut, StringComparison.Ordinal);
        Assert.EndsWith("\n[ToolFlow replaced this result of 202,801 tokens with the text above, by 'lazy', to fit its budget of 4,000 tokens. " + Reference + "]", cut, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDelegate_InvalidArguments_Rejected()
    {
        Assert.Throws<ArgumentException>(() => ToolResultTrimmer.FromDelegate("", (r, _) => ValueTask.FromResult(r.Text)));
        Assert.Throws<ArgumentNullException>(() => ToolResultTrimmer.FromDelegate("x", null!));
    }
}
