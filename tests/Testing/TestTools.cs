using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace ToolFlow.Testing;

/// <summary>Tools for tests: each waits a set latency on the given clock and records when it was called.</summary>
public sealed class TestTools
{
    private readonly TimeProvider _clock;
    private readonly ConcurrentQueue<(string Name, TimeSpan At, IReadOnlyDictionary<string, object?> Arguments)> _invocations = new();

    /// <summary>Initializes the factory.</summary>
    /// <param name="clock">The clock the tools wait on.</param>
    public TestTools(TimeProvider clock)
    {
        _clock = clock;
    }

    /// <summary>Describes tools as read-only, so their calls start the instant they close.</summary>
    /// <param name="tools">The tools.</param>
    /// <returns>The descriptors.</returns>
    public static IEnumerable<ToolFlow.Blocks.ToolDescriptor> ReadOnly(IEnumerable<AIFunction> tools) =>
        tools.Select(static t => new ToolFlow.Blocks.ToolDescriptor(t, ToolFlow.Blocks.ToolEffects.ReadOnly));

    /// <summary>Every invocation: tool name, the clock's timestamp as elapsed time, and the arguments.</summary>
    public IReadOnlyCollection<(string Name, TimeSpan At, IReadOnlyDictionary<string, object?> Arguments)> Invocations => _invocations;

    /// <summary>A tool that waits <paramref name="latency"/> then returns <paramref name="result"/>.</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="latency">How long it takes.</param>
    /// <param name="result">What it returns.</param>
    /// <returns>The tool.</returns>
    public AIFunction Delayed(string name, TimeSpan latency, string result) =>
        new RecordingFunction(this, name, latency, _ => result);

    /// <summary>A tool that waits <paramref name="latency"/> then throws <paramref name="exception"/>.</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="latency">How long it takes.</param>
    /// <param name="exception">What it throws.</param>
    /// <returns>The tool.</returns>
    public AIFunction Throwing(string name, TimeSpan latency, Exception exception) =>
        new RecordingFunction(this, name, latency, _ => throw exception);

    /// <summary>A tool that waits <paramref name="latency"/> then returns <paramref name="compute"/> of its arguments.</summary>
    /// <param name="name">The tool name.</param>
    /// <param name="latency">How long it takes.</param>
    /// <param name="compute">Computes the result.</param>
    /// <returns>The tool.</returns>
    public AIFunction Computing(string name, TimeSpan latency, Func<AIFunctionArguments, object?> compute) =>
        new RecordingFunction(this, name, latency, compute);

    /// <summary>
    /// A tool that works in <paramref name="steps"/> steps of <paramref name="step"/> each, reporting
    /// <c>(i, steps, "step i of steps")</c> through <see cref="ToolFlow.Blocks.ToolProgress.Current"/> after each, then
    /// returns <paramref name="result"/>.
    /// </summary>
    /// <param name="name">The tool name.</param>
    /// <param name="step">How long each step takes.</param>
    /// <param name="steps">How many steps.</param>
    /// <param name="result">What it returns.</param>
    /// <returns>The tool.</returns>
    public AIFunction Stepping(string name, TimeSpan step, int steps, string result) =>
        new RecordingFunction(this, name, TimeSpan.Zero, _ => result, async cancellationToken =>
        {
            IProgress<ToolFlow.Blocks.ToolProgressUpdate>? progress = ToolFlow.Blocks.ToolProgress.Current;
            for (int i = 1; i <= steps; i++)
            {
                await Task.Delay(step, _clock, cancellationToken).ConfigureAwait(false);
                progress?.Report(new(i, steps, $"step {i} of {steps}"));
            }
        });

    private sealed class RecordingFunction(TestTools owner, string name, TimeSpan latency, Func<AIFunctionArguments, object?> compute, Func<CancellationToken, Task>? work = null) : AIFunction
    {
        public override string Name => name;

        public override string Description => $"Test tool {name}, {latency.TotalMilliseconds} ms.";

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            owner._invocations.Enqueue((name, owner._clock.GetElapsedTime(0), new Dictionary<string, object?>(arguments)));
            if (latency > TimeSpan.Zero)
            {
                // Resume inline in the clock's callback, so the result is stamped at the exact virtual instant.
                await Task.Delay(latency, owner._clock, cancellationToken).ConfigureAwait(false);
            }

            if (work is not null)
            {
                await work(cancellationToken).ConfigureAwait(false);
            }

            return compute(arguments);
        }
    }
}
