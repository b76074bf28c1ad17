using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Providers.Scripted;
using ToolFlow.Testing;

namespace ToolFlow.Blocks.Tests;

/// <summary>
/// The public blocks wired into a mesh of the user's own, without <c>ToolPipeline</c>: the user adds a result cache
/// for a read-only tool between the parser and the execution block, and drives the turns by hand.
/// </summary>
public sealed class CustomMeshTests
{
    private static readonly TimeSpan s_weatherLatency = TimeSpan.FromMilliseconds(400);
    private readonly ManualTimeProvider _clock = new();
    private readonly ManualTaskScheduler _scheduler = new();

    [Fact]
    public void CustomMesh_SameCallInALaterTurn_ServedFromTheUsersCacheAtTheInstantItCloses()
    {
        var model = new ScriptedChatClient(Script, new ScriptedModelOptions { TimeProvider = _clock, TimeToFirstToken = TimeSpan.FromMilliseconds(100), TokensPerSecond = 50 });
        var tools = new TestTools(_clock);
        var cache = new ToolResultCache();
        AIFunction weather = cache.Wrap(tools.Computing("get_weather", s_weatherLatency, a => $"{a["city"]}: {((JsonElement)a["city"]!).GetString()!.Length * 3} °C"));
        var chatOptions = new ChatOptions { Tools = [weather] };
        var blockOptions = new ToolBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler };
        var dataflowOptions = new ExecutionDataflowBlockOptions { TaskScheduler = _scheduler };
        var link = new DataflowLinkOptions { PropagateCompletion = true };

        // The user's mesh: source → parser → cache lookup → execution → cache recorder → merge → sink.
        var source = new ChatModelSourceBlock(model, blockOptions);
        var parser = new ToolCallParserBlock(new ToolCallParserBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler });
        var execution = new ToolExecutionBlock(TestTools.ReadOnly([weather]), new ToolExecutionBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler, DeduplicateCalls = false });
        var merge = new ToolResultMergeBlock(blockOptions);
        var events = new List<ToolPipelineEvent>();
        var turns = new Queue<TaskCompletionSource<TurnCompleted>>([new(), new(), new()]);
        var sink = new ActionBlock<ToolPipelineEvent>(
            e =>
            {
                events.Add(e);
                if (e is TurnCompleted completed)
                {
                    turns.Dequeue().SetResult(completed);
                }
            },
            dataflowOptions);
        source.LinkThrough(parser, link)
            .LinkThrough(cache.CreateLookupBlock(dataflowOptions), link)
            .LinkThrough(execution, link)
            .LinkThrough(cache.CreateRecordingBlock(dataflowOptions), link)
            .LinkThrough(merge, link)
            .LinkTo(sink, link);

        List<ChatMessage> history = [new(ChatRole.User, "Weather in Paris and Oslo, then Paris again and Rome?")];
        var turnStarts = new List<TimeSpan>();
        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            // The user's own agent loop: post a turn, wait for its results, add them, post the next.
            TaskCompletionSource<TurnCompleted>[] pending = [.. turns];
            for (int turn = 1; turn <= 3; turn++)
            {
                turnStarts.Add(_clock.Elapsed);
                Assert.True(source.Post(new ModelRequest(turn, history.ToArray(), chatOptions)));
                TurnCompleted completed = await pending[turn - 1].Task;
                history.AddRange(completed.Messages);
            }

            source.Complete();
            await sink.Completion;
        });

        // The tool ran for Paris, Oslo and Rome; the second Paris call never reached it.
        Assert.Equal(
            [("get_weather", "Paris", turnStarts[0] + model.Streams.ElementAt(0).CallClosedOffsets[0]),
             ("get_weather", "Oslo", turnStarts[0] + model.Streams.ElementAt(0).CallClosedOffsets[1]),
             ("get_weather", "Rome", turnStarts[1] + model.Streams.ElementAt(1).CallClosedOffsets[1])],
            tools.Invocations.Select(i => (i.Name, ((JsonElement)i.Arguments["city"]!).GetString(), i.At)));

        // The whole timeline of the lifecycle events, from the script alone: each call closes on the token that ends
        // its arguments; a miss runs 400 ms; the hit is answered at the very instant it closes; a turn completes when
        // its response has ended and every call has an outcome.
        ScriptedStream[] streams = [.. model.Streams];
        var expected = new List<(double Ms, string What)>();
        for (int t = 0; t < 3; t++)
        {
            double start = turnStarts[t].TotalMilliseconds;
            double end = start + streams[t].DecodeDuration.TotalMilliseconds;
            expected.Add((start, $"t{t + 1} turn started"));
            for (int i = 0; i < streams[t].CallNames.Count; i++)
            {
                string id = $"call_t{t + 1}_{i}";
                double closed = start + streams[t].CallClosedOffsets[i].TotalMilliseconds;
                bool cached = t == 1 && i == 0;
                expected.Add((closed, $"t{t + 1} closed {id}"));

                // The executor starts a ready call while it handles the close, before the annotation behind it.
                expected.Add((closed, $"t{t + 1} started {id}"));
                if (cached)
                {
                    expected.Add((closed, $"t{t + 1} cache hit {id}"));
                }

                double done = closed + (cached ? 0 : s_weatherLatency.TotalMilliseconds);
                expected.Add((done, $"t{t + 1} completed {id}"));
                end = Math.Max(end, done);
            }

            expected.Add((start + streams[t].DecodeDuration.TotalMilliseconds, $"t{t + 1} response"));
            expected.Add((end, $"t{t + 1} turn completed"));
            Assert.Equal(end, turnStarts.Count > t + 1 ? turnStarts[t + 1].TotalMilliseconds : end);
        }

        List<(double Ms, string What)> actual = [.. events.Select(e => (Ms: e.Ms(_clock), What: Lifecycle(e))).Where(x => x.What is not null).Select(x => (x.Ms, x.What!))];
        Assert.Equal(expected.OrderBy(x => x.Ms).Select(x => x.Ms), actual.Select(x => x.Ms));
        Assert.Equal(expected.OrderBy(x => x.Ms).Select(x => x.What), actual.Select(x => x.What));

        // The hit's outcome is the cached value, at no cost; the model's next turn read it like any other result.
        ToolCallCompleted hit = Assert.Single(events.OfType<ToolCallCompleted>(), c => c.Call.CallId == "call_t2_0");
        Assert.Equal(TimeSpan.Zero, hit.Duration);
        Assert.Equal("Paris: 15 °C", hit.Result);
        Assert.Same(events.OfType<ToolCallCompleted>().Single(c => c.Call.CallId == "call_t1_0").Result, hit.Result);
        Assert.Equal("Paris is 15 °C, Oslo 12 °C and Rome 12 °C.", history[^1].Text);
        Assert.Equal(
            ["Paris: 15 °C", "Rome: 12 °C"],
            history[4].Contents.OfType<FunctionResultContent>().Select(r => r.Result));

        // Every event of the run is numbered once, in order, the user's own annotation included.
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(TaskStatus.RanToCompletion, merge.Completion.Status);

        string? Lifecycle(ToolPipelineEvent e) => e switch
        {
            TurnStarted => $"t{e.Turn} turn started",
            ToolCallClosed c => $"t{e.Turn} closed {c.Call.CallId}",
            ToolResultCacheHit h => $"t{e.Turn} cache hit {h.CallId}",
            ToolCallStarted s => $"t{e.Turn} started {s.Call.CallId}",
            ToolCallCompleted c => $"t{e.Turn} completed {c.Call.CallId}",
            ResponseCompleted => $"t{e.Turn} response",
            TurnCompleted => $"t{e.Turn} turn completed",
            _ => null,
        };
    }

    [Fact]
    public void CustomMesh_FailedCall_IsNotCachedAndRunsAgain()
    {
        var cache = new ToolResultCache();
        var tools = new TestTools(_clock);
        AIFunction flaky = cache.Wrap(tools.Throwing("flaky", TimeSpan.FromMilliseconds(10), new TimeoutException("upstream timed out")));
        var options = new ExecutionDataflowBlockOptions { TaskScheduler = _scheduler };
        var execution = new ToolExecutionBlock(TestTools.ReadOnly([flaky]), new ToolExecutionBlockOptions { TimeProvider = _clock, TaskScheduler = _scheduler, DeduplicateCalls = false });
        IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent> lookup = cache.CreateLookupBlock(options);
        var events = new List<ToolPipelineEvent>();
        var link = new DataflowLinkOptions { PropagateCompletion = true };

        VirtualTime.Run(_clock, _scheduler, async () =>
        {
            ActionBlock<ToolPipelineEvent> sink = Events.Sink(events, _scheduler);
            lookup.LinkThrough(execution, link).LinkThrough(cache.CreateRecordingBlock(options), link).LinkTo(sink, link);
            lookup.Post(new ToolCallClosed(Events.Call(0, "flaky", """{"q": 1}""")) { Turn = 1 });
            await Task.Delay(TimeSpan.FromMilliseconds(50), _clock);
            lookup.Post(new ToolCallClosed(Events.Call(1, "flaky", """{"q": 1}""")) { Turn = 1 });
            lookup.Complete();
            await sink.Completion;
        });

        Assert.Equal(2, tools.Invocations.Count);
        Assert.Equal(2, events.OfType<ToolCallFailed>().Count());
        Assert.DoesNotContain(events, e => e is ToolResultCacheHit);
    }

    /// <summary>
    /// Turn 1 asks for Paris and Oslo; turn 2 asks for Paris again (same arguments, written differently) and Rome;
    /// turn 3 answers from the results in the conversation.
    /// </summary>
    private static ScriptedResponse Script(IReadOnlyList<ChatMessage> messages) => ScriptedChatClient.TurnOf(messages) switch
    {
        1 => new ScriptedResponse()
            .Text("Checking both cities.")
            .Call("get_weather", """{"city": "Paris", "unit": "c"}""")
            .Call("get_weather", """{"city": "Oslo", "unit": "c"}""")
            .Text(" One moment."),
        2 => new ScriptedResponse()
            .Text("Now Paris again, and Rome.")
            .Call("get_weather", """{ "unit" : "c", "city" : "Paris" }""")
            .Call("get_weather", """{"city": "Rome", "unit": "c"}""")
            .Text(" Back soon."),
        _ => new ScriptedResponse().Text(Answer(messages)),
    };

    private static string Answer(IReadOnlyList<ChatMessage> messages)
    {
        string[] results = [.. messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => (string)r.Result!)];
        string Of(string city) => results.Last(r => r.StartsWith(city, StringComparison.Ordinal))[(city.Length + 2)..];
        return $"Paris is {Of("Paris")}, Oslo {Of("Oslo")} and Rome {Of("Rome")}.";
    }

    /// <summary>The user's annotation: the call's result comes from the cache, not from running the tool.</summary>
    private sealed record ToolResultCacheHit(string CallId, string Name) : ToolPipelineEvent;

    /// <summary>
    /// A user's cache of tool results, keyed by tool name and arguments (top-level members in any order). Only for
    /// read-only tools: the user wraps exactly the tools whose results may be reused. Three pieces share it:
    /// <list type="bullet">
    /// <item>a lookup block before execution: a <see cref="ToolCallClosed"/> whose result is cached passes through
    /// unchanged, followed by a <see cref="ToolResultCacheHit"/>, and the cached value is reserved for that call;</item>
    /// <item>the <see cref="Wrap"/> decorator the execution block runs: it answers a reserved call from the cache
    /// and runs the tool otherwise, so what the annotation says is exactly what happens;</item>
    /// <item>a recording block after execution: each <see cref="ToolCallCompleted"/> is stored; failures never are.</item>
    /// </list>
    /// </summary>
    private sealed class ToolResultCache
    {
        // Lock scheme: _lock guards all three collections; blocks and tools may call in from any thread.
        private readonly object _lock = new();
        private readonly HashSet<string> _cacheable = new(StringComparer.Ordinal);
        private readonly Dictionary<string, object?> _results = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Queue<object?>> _reserved = new(StringComparer.Ordinal);

        public AIFunction Wrap(AIFunction tool)
        {
            lock (_lock)
            {
                _cacheable.Add(tool.Name);
            }

            return new CachingFunction(this, tool);
        }

        public IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent> CreateLookupBlock(ExecutionDataflowBlockOptions options) =>
            new TransformManyBlock<ToolPipelineEvent, ToolPipelineEvent>(
                e => e is ToolCallClosed { Call: { Arguments: { } arguments } call } && TryReserve(call.Name, arguments)
                    ? [e, new ToolResultCacheHit(call.CallId, call.Name) { Turn = e.Turn }]
                    : [e],
                options);

        public IPropagatorBlock<ToolPipelineEvent, ToolPipelineEvent> CreateRecordingBlock(ExecutionDataflowBlockOptions options) =>
            new TransformBlock<ToolPipelineEvent, ToolPipelineEvent>(
                e =>
                {
                    if (e is ToolCallCompleted { Call: { Arguments: { } arguments } call } completed)
                    {
                        Record(call.Name, arguments, completed.Result);
                    }

                    return e;
                },
                options);

        private static string KeyOf(string name, IEnumerable<KeyValuePair<string, object?>> arguments) =>
            name + " " + JsonSerializer.Serialize(new SortedDictionary<string, object?>(arguments.ToDictionary(), StringComparer.Ordinal), AIJsonUtilities.DefaultOptions);

        private bool TryReserve(string name, IReadOnlyDictionary<string, object?> arguments)
        {
            string key = KeyOf(name, arguments);
            lock (_lock)
            {
                if (!_cacheable.Contains(name) || !_results.TryGetValue(key, out object? result))
                {
                    return false;
                }

                if (!_reserved.TryGetValue(key, out Queue<object?>? queue))
                {
                    _reserved[key] = queue = new Queue<object?>();
                }

                queue.Enqueue(result);
                return true;
            }
        }

        private bool TryTakeReserved(string name, IEnumerable<KeyValuePair<string, object?>> arguments, out object? result)
        {
            string key = KeyOf(name, arguments);
            lock (_lock)
            {
                if (_reserved.TryGetValue(key, out Queue<object?>? queue) && queue.TryDequeue(out result))
                {
                    return true;
                }
            }

            result = null;
            return false;
        }

        private void Record(string name, IReadOnlyDictionary<string, object?> arguments, object? result)
        {
            string key = KeyOf(name, arguments);
            lock (_lock)
            {
                if (_cacheable.Contains(name))
                {
                    _results.TryAdd(key, result);
                }
            }
        }

        private sealed class CachingFunction(ToolResultCache cache, AIFunction tool) : DelegatingAIFunction(tool)
        {
            protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken) =>
                cache.TryTakeReserved(Name, arguments, out object? cached)
                    ? ValueTask.FromResult(cached)
                    : base.InvokeCoreAsync(arguments, cancellationToken);
        }
    }
}
