using Microsoft.Extensions.AI;

namespace ToolFlow.Profiling;

/// <summary>
/// A scenario tool as a real library runs it, recorded: it waits for the calls it depends on, then runs every
/// attempt its draw has with the scenario's backoff between them, and stamps when the work started and ended.
/// </summary>
/// <remarks>
/// The standard protocol cannot say that a call needs another call of its turn, and these libraries neither retry nor
/// order calls; a user's tool would have to wait and retry itself (with Polly, say), so this one does. Its start is
/// stamped once its dependencies have ended, as ToolFlow's gate starts a dependent call.
/// </remarks>
internal sealed class PeerToolFunction(ScenarioFunction tool, ScenarioTool definition, PeerCalls calls, PeerRecorder recorder, TimeProvider clock)
    : DelegatingAIFunction(tool)
{
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        if (calls.Find(ScenarioFunction.CallIdOf(arguments)) is not { } call)
        {
            // Not a scenario call: the tool itself says what is wrong.
            return await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await calls.WhenEnded(call.DependsOn).ConfigureAwait(false);
            recorder.CallStarted(call.RuntimeId);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    object? result = await base.InvokeCoreAsync(arguments, cancellationToken).ConfigureAwait(false);
                    recorder.CallEnded(call.RuntimeId, failed: false);
                    return result;
                }
                catch (Exception) when (attempt <= definition.MaxRetries && !cancellationToken.IsCancellationRequested)
                {
                    // Exponential backoff without jitter: the draw's durations assume exactly these waits.
                    TimeSpan backoff = definition.RetryBaseDelay * Math.Pow(2, attempt - 1);
                    if (backoff > TimeSpan.Zero)
                    {
                        await Task.Delay(backoff, clock, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception)
        {
            recorder.CallEnded(call.RuntimeId, failed: true);
            throw;
        }
        finally
        {
            calls.Ended(call.Id);
        }
    }
}
