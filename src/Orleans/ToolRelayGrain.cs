using System.Diagnostics;
using Orleans.Runtime;

namespace ToolFlow.Orleans;

/// <summary>Spike: see <see cref="IToolRelayGrain"/>.</summary>
internal sealed class ToolRelayGrain(ILocalSiloDetails silo) : Grain, IToolRelayGrain
{
    public async Task<string[]> RunAsync(int calls, int sleepMs, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string key = this.GetPrimaryKeyString();
        Task<string>[] running = [.. Enumerable.Range(0, calls).Select(n => CallAsync(ToolCallKey.Format("sleep", key, $"{n}", 1, 0), sleepMs, deadline, clock))];
        string[] lines = await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        return [silo.SiloAddress.ToString(), .. lines];
    }

    private async Task<string> CallAsync(string key, int sleepMs, TimeSpan deadline, Stopwatch clock)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            RemoteToolResult result = await GrainFactory.GetGrain<IToolCallGrain>(key)
                .InvokeAsync(new RemoteToolRequest("sleep", $$"""{"ms": {{sleepMs}}}"""), timeout.Token)
                .ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            return $"{clock.ElapsedMilliseconds} ms ok {result.Silo}";
        }
        catch (Exception e)
        {
            return $"{clock.ElapsedMilliseconds} ms {e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
    }
}
