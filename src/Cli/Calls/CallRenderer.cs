using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using ToolFlow.Blocks;

namespace ToolFlow.Cli.Calls;

/// <summary>
/// The one renderer of <see cref="CallRow"/>s: a line per change for <c>toolflow run</c> (and <c>toolflow demo</c> in
/// a pipe), a live table for <c>toolflow demo</c>. Both say a state in the same words with the same details, and
/// every string from a model, tool or server goes through <see cref="TerminalText"/>.
/// </summary>
internal static class CallRenderer
{
    /// <summary>The most characters of a tool name shown.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The most characters of arguments, a result or an error shown.</summary>
    public const int PreviewLength = 160;

    /// <summary>
    /// The table's columns, in order. Another column (a progress bar, say) is one more entry; the progress column
    /// shows only once a call reports progress.
    /// </summary>
    public static IReadOnlyList<CallColumn> Columns { get; } =
    [
        new("#", static row => new Text(row.Number.ToString(CultureInfo.InvariantCulture)), static _ => true),
        new("Tool", static row => new Text(TerminalText.OneLine(row.Name, MaxNameLength), new Style(decoration: Decoration.Bold)), static _ => true),
        new("Arguments", static row => new Text(TerminalText.OneLine(row.Arguments, PreviewLength)), static _ => true),
        new("Closed", static row => new Text(Milliseconds(row.ClosedAt)), static _ => true),
        new("Started", static row => new Text(Milliseconds(row.StartedAt)), static _ => true),
        new("State", static row => new Paragraph().Append(Word(row.State), StyleOf(row.State)).Append(Detail(row)), static _ => true),
        new("Progress", static row => new Text(ProgressText(row.Progress)), static rows => rows.Any(r => r.Progress is not null)),
    ];

    /// <summary>The word for a state: detected, waiting, running, done, failed, cancelled or quarantined.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The word.</returns>
    public static string Word(CallState state) => state switch
    {
        CallState.Detected => "detected",
        CallState.Waiting => "waiting",
        CallState.Running => "running",
        CallState.Done => "done",
        CallState.Failed => "failed",
        CallState.Cancelled => "cancelled",
        CallState.Quarantined => "quarantined",
        _ => state.ToString().ToLowerInvariant(),
    };

    /// <summary>What follows the state word: why it waits, which attempt runs, how it ended. Safe to print.</summary>
    /// <param name="row">The call.</param>
    /// <returns>The text, starting with its separator, or empty.</returns>
    public static string Detail(CallRow row) => row.State switch
    {
        CallState.Waiting when row.DuplicateOf is { } original => $" for the identical call #{original.Number}, which runs once for both",
        CallState.Waiting => " for " + WaitText(row),
        CallState.Running => RunningText(row),
        CallState.Done => $" in {Milliseconds(row.Duration)}: {(row.Result is null ? "(no result)" : TerminalText.OneLine(row.Result, PreviewLength))}",
        CallState.Failed => $" ({row.FailureKind}){After(row.Duration)}: {TerminalText.OneLine(row.Error, PreviewLength)}{Discarded(row)}",
        CallState.Quarantined => $"{After(row.Duration)}: its result was withheld from the model: {TerminalText.OneLine(row.Error, PreviewLength)}",
        CallState.Cancelled => $"{(row.FailureKind is ToolCallFailureKind.Cancelled or null ? string.Empty : $" ({row.FailureKind})")}: {TerminalText.OneLine(row.Error, PreviewLength)}{Discarded(row)}",
        _ => string.Empty,
    };

    /// <summary>A call's tag in lines: <c>[name #N]</c>.</summary>
    /// <param name="row">The call.</param>
    /// <returns>The tag, safe to print.</returns>
    public static string Tag(CallRow row) => $"[{TerminalText.OneLine(row.Name, MaxNameLength)} #{row.Number}]";

    /// <summary>The line for a call's state: <c>[name #N] word detail</c>.</summary>
    /// <param name="row">The call.</param>
    /// <returns>The line, safe to print.</returns>
    public static string Line(CallRow row) => $"{Tag(row)} {Word(row.State)}{Detail(row)}";

    /// <summary>The line for a call whose arguments just closed.</summary>
    /// <param name="row">The call.</param>
    /// <returns>The line, safe to print.</returns>
    public static string ArgumentsLine(CallRow row) => $"{Tag(row)} arguments {TerminalText.OneLine(row.Arguments, PreviewLength)}";

    /// <summary>The line for a running call's progress.</summary>
    /// <param name="row">The call.</param>
    /// <returns>The line, safe to print.</returns>
    public static string ProgressLine(CallRow row) => $"{Tag(row)} {Word(row.State)} {ProgressText(row.Progress)}";

    /// <summary>The calls as a table, one row each, with the columns of <see cref="Columns"/> that show.</summary>
    /// <param name="rows">The calls.</param>
    /// <returns>The table.</returns>
    public static Table Table(IReadOnlyList<CallRow> rows)
    {
        CallColumn[] shown = [.. Columns.Where(c => c.Shown(rows))];
        var table = new Table().Expand();
        foreach (CallColumn column in shown)
        {
            table.AddColumn(column.Header);
        }

        foreach (CallRow row in rows)
        {
            table.AddRow([.. shown.Select(c => c.Cell(row))]);
        }

        return table;
    }

    /// <summary>The colour of a state's word.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The style.</returns>
    public static Style StyleOf(CallState state) => new(state switch
    {
        CallState.Waiting => Color.Yellow,
        CallState.Running => Color.Blue,
        CallState.Done => Color.Green,
        CallState.Failed => Color.Red,
        CallState.Cancelled => Color.Orange3,
        CallState.Quarantined => Color.Magenta1,
        _ => Color.Grey,
    });

    private static string WaitText(CallRow row) => row.WaitReason switch
    {
        ToolCallWaitReason.Dependencies => $"the calls it depends on ({(row.WaitingOn.Count == 0 ? "?" : TerminalText.OneLine(string.Join(", ", row.WaitingOn), PreviewLength))})",
        ToolCallWaitReason.ResponseEnd => "the response to end cleanly (the tool has side effects)",
        ToolCallWaitReason.Approval => "an approval",
        null => TerminalText.OneLine(string.Join(", ", row.WaitingOn), PreviewLength),
        { } other => other.ToString().ToLowerInvariant(),
    };

    private static string RunningText(CallRow row)
    {
        string text = row.Attempt > 1 ? $" (attempt {row.Attempt}; the last failed: {TerminalText.OneLine(row.RetryError ?? "no error given", PreviewLength)})" : string.Empty;
        return row.Progress is null ? text : $"{text} {ProgressText(row.Progress)}";
    }

    private static string ProgressText(CallProgress? progress) => progress switch
    {
        null => string.Empty,
        { Fraction: double f, Message: { } m } => $"{Percent(f)} {TerminalText.OneLine(m, PreviewLength)}",
        { Fraction: double f } => Percent(f),
        { Message: { } m } => TerminalText.OneLine(m, PreviewLength),
        _ => string.Empty,
    };

    private static string Percent(double fraction) =>
        string.Create(CultureInfo.InvariantCulture, $"{Math.Clamp(fraction, 0, 1) * 100:F0}%");

    private static string Discarded(CallRow row) =>
        row.DiscardedResult is null ? string.Empty : $"; a late result was discarded: {TerminalText.OneLine(row.DiscardedResult, PreviewLength)}";

    private static string After(TimeSpan? duration) => duration is null ? string.Empty : $" after {Milliseconds(duration)}";

    private static string Milliseconds(TimeSpan? time) =>
        time is { } t ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:F0} ms") : string.Empty;
}
