using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Testing;
using static ToolFlow.Blocks.Tests.Events;

namespace ToolFlow.Blocks.Tests;

/// <summary>One <see cref="ToolExecutor"/> shared by several conversations: caps held at every instant, turns taken fairly.</summary>
public sealed class ToolExecutorTests : ManualClockTests
{
    /// <summary>Runs each conversation's calls through its own block on the shared executor; returns every event with its conversation.</summary>
    private List<(string Conversation, ToolPipelineEvent Event)> Run(ToolExecutor executor, ToolDescriptor[] tools, params (string Name, int MaxConcurrency, ToolCall[] Calls)[] conversations)
    {
        var events = new List<(string, ToolPipelineEvent)>();
        VirtualTime.Run(Clock, Scheduler, async () =>
        {
            var blocks = new List<(ToolExecutionBlock Block, ActionBlock<ToolPipelineEvent> Sink, ToolCall[] Calls)>();
            foreach ((string name, int maxConcurrency, ToolCall[] calls) in conversations)
            {
                var block = new ToolExecutionBlock(tools, new ToolExecutionBlockOptions { TimeProvider = Clock, TaskScheduler = Scheduler, Executor = executor, MaxConcurrency = maxConcurrency });
                var sink = new ActionBlock<ToolPipelineEvent>(e => events.Add((name, e)), new ExecutionDataflowBlockOptions { TaskScheduler = Scheduler });
                block.LinkTo(sink, new DataflowLinkOptions { PropagateCompletion = true });
                blocks.Add((block, sink, calls));
            }

            // Every conversation closes all its calls at t = 0, the chatty one first.
            foreach ((ToolExecutionBlock block, _, ToolCall[] calls) in blocks)
            {
                foreach (ToolCall call in calls)
                {
                    block.Post(new ToolCallClosed(call) { Turn = 1 });
                }

                block.Post(Response(calls));
            }

            foreach ((ToolExecutionBlock block, ActionBlock<ToolPipelineEvent> sink, _) in blocks)
            {
                block.Complete();
                await sink.Completion;
            }
        });
        return events;
    }

    private static ToolCall[] Calls(string prefix, int count, string tool = "work") =>
        [.. Enumerable.Range(0, count).Select(i => Call(i, tool, $$"""{"n": "{{prefix}}{{i}}"}""") with { CallId = $"{prefix}{i}" })];

    [Fact]
    public void Executor_ChattyConversationAndTwoQuietOnes_SlotsGoRoundRobinUnderTheGlobalCap()
    {
        var probe = new RunningProbe(Clock, "work", TimeSpan.FromMilliseconds(100));
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 2, TimeProvider = Clock, TaskScheduler = Scheduler });
        ToolDescriptor[] tools = [new ToolDescriptor(probe, ToolEffects.ReadOnly)];

        List<(string Conversation, ToolPipelineEvent Event)> events = Run(executor, tools, ("A", -1, Calls("A", 6)), ("B", -1, Calls("B", 2)), ("C", -1, Calls("C", 2)));

        // With first-come-first-served, B would wait until 300 ms and C until 400 ms behind A's six calls.
        // Round robin gives B and C their turns as soon as slots free.
        // (Starts in one instant come from different blocks, so they are compared as sets.)
        Assert.Equal(
            ["0: A0 A1", "100: A2 B0", "200: A3 C0", "300: B1 C1", "400: A4 A5"],
            events.Where(e => e.Event is ToolCallStarted)
                .GroupBy(e => e.Event.Ms(Clock))
                .Select(g => $"{g.Key}: {string.Join(' ', g.Select(e => ((ToolCallStarted)e.Event).Call.CallId).Order(StringComparer.Ordinal))}"));
        Assert.Equal(2, probe.MaxRunning);
        Assert.Equal(10, events.Count(e => e.Event is ToolCallCompleted));
        Assert.Equal(0, executor.Running);
        Assert.Equal(0, executor.Queued);
    }

    [Fact]
    public void Executor_GlobalConversationAndToolCaps_NoneExceededAtAnyInstant()
    {
        var wide = new RunningProbe(Clock, "wide", TimeSpan.FromMilliseconds(70));
        var narrow = new RunningProbe(Clock, "narrow", TimeSpan.FromMilliseconds(50));
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 4, TimeProvider = Clock, TaskScheduler = Scheduler });
        ToolDescriptor[] tools = [new ToolDescriptor(wide, ToolEffects.ReadOnly), new ToolDescriptor(narrow, ToolEffects.ReadOnly) { MaxConcurrency = 1 }];
        ToolCall[] Mixed(string prefix) => [.. Calls(prefix + "w", 4, "wide"), .. Calls(prefix + "n", 3, "narrow").Select(c => c with { Index = c.Index + 4 })];

        List<(string Conversation, ToolPipelineEvent Event)> events = Run(executor, tools, ("A", 2, Mixed("A")), ("B", 3, Mixed("B")), ("C", -1, Mixed("C")));

        // Replay the timeline and check every cap at every instant.
        var running = new Dictionary<string, int>();
        int global = 0, narrowRunning = 0;
        foreach ((string conversation, ToolPipelineEvent e) in events.OrderBy(x => x.Event.Timestamp).ThenBy(x => x.Event is ToolCallStarted ? 1 : 0))
        {
            if (e is ToolCallStarted s)
            {
                global++;
                running[conversation] = running.GetValueOrDefault(conversation) + 1;
                narrowRunning += s.Call.Name == "narrow" ? 1 : 0;
                Assert.True(global <= 4, $"global {global} at {e.Ms(Clock)}");
                Assert.True(running.GetValueOrDefault("A") <= 2, $"A ran {running.GetValueOrDefault("A")} at {e.Ms(Clock)}");
                Assert.True(running.GetValueOrDefault("B") <= 3, $"B ran {running.GetValueOrDefault("B")} at {e.Ms(Clock)}");
                Assert.True(narrowRunning <= 1, $"narrow ran {narrowRunning} at {e.Ms(Clock)}");
            }
            else if (e is ToolCallCompleted c)
            {
                global--;
                running[conversation]--;
                narrowRunning -= c.Call.Name == "narrow" ? 1 : 0;
            }
        }

        Assert.Equal(21, events.Count(e => e.Event is ToolCallCompleted));
        Assert.Equal(4, wide.MaxRunning);
        Assert.Equal(1, narrow.MaxRunning);
    }

    /// <summary>A tool that counts how many of its calls run at once.</summary>
    [Fact]
    public void Executor_CallLendsItsSlotsWhileItWaits_OthersRunInThemAndItsToolCapStillHolds()
    {
        // A waiter stands for a sub-agent's call: it gives back its global and conversation slots, then waits.
        var waiter = new RunningProbe(Clock, "waiter", TimeSpan.FromMilliseconds(300), lendSlots: true);
        var work = new RunningProbe(Clock, "work", TimeSpan.FromMilliseconds(100));
        var executor = new ToolExecutor(new ToolExecutorOptions { MaxConcurrency = 1, TimeProvider = Clock, TaskScheduler = Scheduler });
        ToolDescriptor[] tools = [new ToolDescriptor(waiter, ToolEffects.ReadOnly) { MaxConcurrency = 1 }, new ToolDescriptor(work, ToolEffects.ReadOnly)];

        List<(string Conversation, ToolPipelineEvent Event)> events = Run(executor, tools, ("A", 1, Calls("A", 2, "waiter")), ("B", -1, Calls("B", 2)));

        // Without lending, B's work would wait for the waiters until 600 ms; the second waiter still waits for the first.
        Assert.Equal(
            ["0: A0 B0", "100: B1", "300: A1"],
            events.Where(e => e.Event is ToolCallStarted)
                .GroupBy(e => e.Event.Ms(Clock))
                .Select(g => $"{g.Key}: {string.Join(' ', g.Select(e => ((ToolCallStarted)e.Event).Call.CallId).Order(StringComparer.Ordinal))}"));
        Assert.Equal((1, 1), (work.MaxRunning, waiter.MaxRunning));
        Assert.Equal(4, events.Count(e => e.Event is ToolCallCompleted));
        Assert.Equal((0, 0), (executor.Running, executor.Queued));
    }

    private sealed class RunningProbe(ManualTimeProvider clock, string name, TimeSpan latency, bool lendSlots = false) : AIFunction
    {
        private int _running;

        public int MaxRunning { get; private set; }

        public override string Name => name;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            MaxRunning = Math.Max(MaxRunning, Interlocked.Increment(ref _running));
            if (lendSlots)
            {
                Assert.True(RunningCall.Current?.LendSlots());
            }

            try
            {
                await Task.Delay(latency, clock, cancellationToken).ConfigureAwait(false);
                return name;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }
}
