namespace ToolFlow.ChatLoad;

/// <summary>
/// Runs the whole load: a server, <see cref="ChatLoadOptions.Waves"/> clean waves, then (with stalled clients) a control
/// wave with the long conversations read, and the same wave with their clients stalled.
/// </summary>
public static class ChatLoadRunner
{
    /// <summary>Runs the load.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="progress">Told as each wave ends, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>Every wave's figures.</returns>
    public static async Task<ChatLoadResult> RunAsync(ChatLoadOptions options, IProgress<WaveResult>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        long started = TimeProvider.System.GetTimestamp();
        await using ChatLoadServer server = await ChatLoadServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
        MemorySample baseline = ChatLoadServer.SampleMemory();
        var clean = new List<WaveResult>();
        for (int wave = 1; wave <= options.Waves; wave++)
        {
            WaveResult result = await LoadWave.RunAsync(server, options, wave, stalled: 0, stall: false, cancellationToken).ConfigureAwait(false);
            clean.Add(result);
            progress?.Report(result);
        }

        WaveResult? controlWave = null, stalledWave = null;
        if (options.Stalled > 0)
        {
            controlWave = await LoadWave.RunAsync(server, options, options.Waves + 1, options.Stalled, stall: false, cancellationToken).ConfigureAwait(false);
            progress?.Report(controlWave);
            stalledWave = await LoadWave.RunAsync(server, options, options.Waves + 2, options.Stalled, stall: true, cancellationToken).ConfigureAwait(false);
            progress?.Report(stalledWave);
        }

        return new ChatLoadResult
        {
            Options = options,
            Baseline = baseline,
            CleanWaves = clean,
            ControlWave = controlWave,
            StalledWave = stalledWave,
            Elapsed = TimeProvider.System.GetElapsedTime(started),
        };
    }
}
