using Microsoft.Extensions.AI;

namespace ToolFlow.Providers.Scripted;

/// <summary>
/// Wraps a tool so that every call first waits a service latency on the injected <see cref="TimeProvider"/>, then
/// runs the tool. Stands in for a remote tool's latency in demos, tests and latency profiles.
/// </summary>
public sealed class SimulatedLatencyFunction : DelegatingAIFunction
{
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes the wrapper.</summary>
    /// <param name="innerFunction">The tool that computes the result.</param>
    /// <param name="latency">How long each call waits before the tool runs.</param>
    /// <param name="timeProvider">The clock to wait on.</param>
    public SimulatedLatencyFunction(AIFunction innerFunction, TimeSpan latency, TimeProvider timeProvider)
        : base(innerFunction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Latency = latency;
        _timeProvider = timeProvider;
    }

    /// <summary>How long each call waits before the tool runs.</summary>
    public TimeSpan Latency { get; }

    /// <inheritdoc/>
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, _timeProvider, cancellationToken).ConfigureAwait(false);
        }

        return await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
    }
}
