using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>Tools reporting progress: their reports reach the events in order, at a bounded rate, and never after the call ended.</summary>
public sealed class ToolProgressTests : ManualClockTests
{
    private ToolExecutionBlock Block(AIFunction tool, TimeSpan interval) =>
        new(TestTools.ReadOnly([tool]), new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler, MinProgressInterval = interval });

    private static AIFunction Tool(Delegate body) => AIFunctionFactory.Create(body, ToolProgress.BindParameters(new AIFunctionFactoryOptions { Name = "work" }));

    // An asynchronous tool that reports through ToolProgress.Current. Not made with AIFunctionFactory, whose
    // asynchronous delegates resume on the thread pool, off the manual clock (see VirtualTime).
    private static AIFunction Tool(Func<IProgress<ToolProgressUpdate>, CancellationToken, Task<object?>> body) => new AmbientTool(body);

    // One call of the tool with a 30 ms timeout and one retry 10 ms later; the response ends at 100 ms.
    private List<ToolPipelineEvent> RunTimingOutOnce(AIFunction tool)
    {
        var descriptor = new ToolDescriptor(tool, ToolEffects.ReadOnly)
        {
            Timeout = TimeSpan.FromMilliseconds(30),
            Retry = new ToolRetryPolicy { MaxRetryAttempts = 1, BaseDelay = TimeSpan.FromMilliseconds(10), UseJitter = false },
        };
        var block = new ToolExecutionBlock([descriptor], new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler, MinProgressInterval = TimeSpan.Zero });
        ToolCall call = Call(0, "work", "{}");
        return Run(block, async target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            await At(100);
            target.Post(Response(call));
        });
    }

    private static List<(double Ms, string What)> Timeline(List<ToolPipelineEvent> events, ManualTimeProvider clock) =>
        [.. events.Where(e => e is not (ToolCallClosed or ResponseCompleted)).Select(e => (e.Ms(clock), e switch
        {
            ToolCallProgressed p => $"progress {p.Progress}/{p.Total} {p.Message}",
            ToolCallFailed f => $"failed {f.Kind}",
            ToolResultDiscarded => "discarded",
            _ => Describe(e),
        }))];

    [Fact]
    public void Report_ToolReportsInATightLoop_AtMostOneEventPerIntervalTheLatestWinning()
    {
        AIFunction tool = Tool(async (progress, ct) =>
        {
            for (int i = 1; i <= 1000; i++)
            {
                progress.Report(new(i, 1000, $"item {i}"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), Clock, ct).ConfigureAwait(false);
            progress.Report(new(null, null, "writing"));
            await Task.Delay(TimeSpan.FromMilliseconds(10), Clock, ct).ConfigureAwait(false);
            return (object?)"ok";
        });
        ToolCall call = Call(0, "work", "{}");

        List<ToolPipelineEvent> events = Run(Block(tool, TimeSpan.FromMilliseconds(10)), async target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            await At(100);
            target.Post(Response(call));
        });

        // 1001 reports, 3 events: the first at once, the loop's last when the interval has passed, the next at once
        // (its interval had passed); every one between the call's start and its outcome.
        Assert.Equal(
            [
                (0d, "started call_1_0"),
                (0d, "progress 1/1000 item 1"),
                (10d, "progress 1000/1000 item 1000"),
                (25d, "progress / writing"),
                (35d, "completed call_1_0 \"ok\""),
            ],
            Timeline(events, Clock));
        Assert.All(events.OfType<ToolCallProgressed>(), p => Assert.Equal((call.CallId, 1), (p.Call.CallId, p.Turn)));
    }

    [Fact]
    public void Report_ZeroInterval_EveryReportIsEmitted()
    {
        AIFunction tool = Tool((IProgress<ToolProgressUpdate> progress) =>
        {
            for (int i = 1; i <= 3; i++)
            {
                progress.Report(new(i, 3));
            }

            return "ok";
        });
        ToolCall call = Call(0, "work", "{}");

        List<ToolPipelineEvent> events = Run(Block(tool, TimeSpan.Zero), target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            target.Post(Response(call));
            return Task.CompletedTask;
        });

        Assert.Equal([1d, 2d, 3d], events.OfType<ToolCallProgressed>().Select(p => p.Progress!.Value));
    }

    [Fact]
    public void Report_HeldWhenTheCallCompletesOrMadeAfterIt_IsDroppedAndNothingIsEmittedLate()
    {
        IProgress<ToolProgressUpdate>? kept = null;
        AIFunction tool = Tool(async (progress, ct) =>
        {
            kept = ToolProgress.Current;
            progress.Report(new(1, 2));
            progress.Report(new(2, 2));
            await Task.Delay(TimeSpan.FromMilliseconds(5), Clock, ct).ConfigureAwait(false);
            return (object?)"ok";
        });
        ToolCall call = Call(0, "work", "{}");

        List<ToolPipelineEvent> events = Run(Block(tool, TimeSpan.FromMilliseconds(10)), async target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            await At(50);
            kept!.Report(new(3, 2, "late"));
            await At(100);
            target.Post(Response(call));
        });

        // The second report was held for the interval; the call's outcome came first and supersedes it.
        Assert.Equal([(0d, "started call_1_0"), (0d, "progress 1/2 "), (5d, "completed call_1_0 \"ok\"")], Timeline(events, Clock));
        Assert.Same(kept, Assert.IsType<ProgressReporter>(kept));
        Assert.Null(ToolProgress.Current);
    }

    [Fact]
    public void Report_AfterTheCallWasCancelled_IsDroppedAndTheLateResultDiscarded()
    {
        AIFunction tool = Tool(async (progress, _) =>
        {
            progress.Report(new(0, 100, "starting"));
            await Task.Delay(TimeSpan.FromMilliseconds(15), Clock).ConfigureAwait(false);
            progress.Report(new(10, 100));

            // It ignores cancellation and goes on reporting.
            await Task.Delay(TimeSpan.FromMilliseconds(85), Clock).ConfigureAwait(false);
            progress.Report(new(100, 100, "done"));
            return (object?)"ok";
        });
        ToolCall call = Call(0, "work", "{}");
        ToolExecutionBlock block = Block(tool, TimeSpan.FromMilliseconds(50));

        List<ToolPipelineEvent> events = Run(block, async target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            await At(20);
            Assert.True(block.CancelCall(call.CallId));
            await At(200);
            target.Post(Response(call));
        });

        // The report at 15 ms was held until 50 ms; the call was cancelled at 20 ms, so it and the one at 100 ms are dropped.
        Assert.Equal(
            [(0d, "started call_1_0"), (0d, "progress 0/100 starting"), (20d, "failed Cancelled"), (100d, "discarded")],
            Timeline(events, Clock));
    }

    [Fact]
    public void Report_ByATimedOutAttemptAfterItsTimeout_IsDropped()
    {
        int attempts = 0;
        AIFunction tool = Tool(async (progress, _) =>
        {
            int attempt = ++attempts;
            progress.Report(new(null, null, $"attempt {attempt}"));

            // The first attempt ignores its timeout (30 ms) and reports again at 35 ms, after it timed out; the retry,
            // due at 40 ms, runs once that body has returned.
            await Task.Delay(TimeSpan.FromMilliseconds(attempt == 1 ? 35 : 20), Clock).ConfigureAwait(false);
            progress.Report(new(null, null, $"attempt {attempt} again"));
            return (object?)$"attempt {attempt}";
        });
        List<ToolPipelineEvent> events = RunTimingOutOnce(tool);

        Assert.Equal(
            [
                (0d, "started call_1_0"), (0d, "progress / attempt 1"),
                (30d, "ToolCallRetrying"),
                (40d, "progress / attempt 2"),
                (60d, "progress / attempt 2 again"), (60d, "completed call_1_0 \"attempt 2\""),
            ],
            Timeline(events, Clock));
    }

    [Fact]
    public void Current_FirstAskedByATimedOutAttemptAfterItsTimeout_DropsWhatItReports()
    {
        int attempts = 0;
        AIFunction tool = new QuietTool(async () =>
        {
            int attempt = ++attempts;
            if (attempt == 1)
            {
                // The first attempt ignores its timeout and asks for its reporter only after it timed out: it must
                // get none, and the retry (which waits for this body to return) its own.
                await Task.Delay(TimeSpan.FromMilliseconds(35), Clock).ConfigureAwait(false);
                ToolProgress.Current!.Report(new(null, null, "attempt 1, late"));
                return "attempt 1";
            }

            ToolProgress.Current!.Report(new(null, null, "attempt 2"));
            await Task.Delay(TimeSpan.FromMilliseconds(20), Clock).ConfigureAwait(false);
            return "attempt 2";
        });
        List<ToolPipelineEvent> events = RunTimingOutOnce(tool);

        Assert.Equal(
            [(0d, "started call_1_0"), (30d, "ToolCallRetrying"), (40d, "progress / attempt 2"), (60d, "completed call_1_0 \"attempt 2\"")],
            Timeline(events, Clock));
        Assert.Equal(2, attempts);
    }

    [Fact]
    public void Report_NotFinite_FailsTheCallSayingWhy()
    {
        AIFunction tool = Tool((IProgress<ToolProgressUpdate> progress) =>
        {
            progress.Report(new(double.NaN));
            return "ok";
        });
        ToolCall call = Call(0, "work", "{}");

        List<ToolPipelineEvent> events = Run(Block(tool, TimeSpan.Zero), target =>
        {
            target.Post(new ToolCallClosed(call) { Turn = 1 });
            target.Post(Response(call));
            return Task.CompletedTask;
        });

        ToolCallFailed failed = Assert.Single(events.OfType<ToolCallFailed>());
        Assert.Equal(ToolCallFailureKind.ToolException, failed.Kind);
        Assert.Contains("The progress must be a finite number.", failed.Message, StringComparison.Ordinal);
        Assert.Empty(events.OfType<ToolCallProgressed>());
    }

    [Fact]
    public async Task BindParameters_ProgressParameter_IsLeftOutOfTheSchemaAndReportsNowhereOutsideACall()
    {
        var seen = new List<string>();
        AIFunction tool = AIFunctionFactory.Create(
            (string path, IProgress<ToolProgressUpdate> progress) =>
            {
                progress.Report(new(1, 1, path));
                seen.Add(path);
                return path;
            },
            ToolProgress.BindParameters(new AIFunctionFactoryOptions
            {
                Name = "copy",
                ConfigureParameterBinding = p => p.Name == "path" ? new() { BindParameter = (_, _) => "bound", ExcludeFromSchema = true } : default,
            }));

        // The progress parameter is not the model's to fill; bindings configured before still apply.
        Assert.False(tool.JsonSchema.GetProperty("properties").TryGetProperty("progress", out _));
        Assert.False(tool.JsonSchema.GetProperty("properties").TryGetProperty("path", out _));
        object? result = await tool.InvokeAsync(new AIFunctionArguments());
        Assert.Equal("bound", Assert.IsType<JsonElement>(result).GetString());
        Assert.Equal(["bound"], seen);
    }

    [Fact]
    public void MinProgressInterval_Negative_Throws()
    {
        var options = new ToolExecutionBlockOptions();
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.MinProgressInterval);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MinProgressInterval = TimeSpan.FromTicks(-1));
    }

    // An asynchronous tool that asks for ToolProgress.Current itself, when it likes (or never).
    private sealed class QuietTool(Func<Task<object?>> body) : AIFunction
    {
        public override string Name => "work";

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            await body().ConfigureAwait(false);
    }

    private sealed class AmbientTool(Func<IProgress<ToolProgressUpdate>, CancellationToken, Task<object?>> body) : AIFunction
    {
        public override string Name => "work";

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
            await body(ToolProgress.Current!, cancellationToken).ConfigureAwait(false);
    }
}
