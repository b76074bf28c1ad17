namespace ToolFlow.ChatLoad;

/// <summary>
/// Runs one wave: every conversation created at once by POST and streamed by its own client. Each long conversation
/// (the stalled clients', on the long scenario) also has a witness, a second reader that sends its next message and
/// says when it is over. When the wave stalls, those clients stop reading at their first tool start and read again
/// once every reader and witness is done (they must then get <c>lagged</c> and a snapshot); otherwise they read on,
/// the control for the same load. Then every conversation is deleted and memory is read.
/// </summary>
public static class LoadWave
{
    /// <summary>Runs a wave.</summary>
    /// <param name="server">The server.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="number">The wave's number, from 1.</param>
    /// <param name="stalled">How many of the <see cref="ChatLoadOptions.Conversations"/> conversations are long, with a witness.</param>
    /// <param name="stall">Whether the long conversations' own clients stop reading mid-stream.</param>
    /// <param name="cancellationToken">Cancels the wave.</param>
    /// <returns>What every client saw, and the memory.</returns>
    public static async Task<WaveResult> RunAsync(ChatLoadServer server, ChatLoadOptions options, int number, int stalled, bool stall, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stalled, options.Conversations);
        TimeProvider clock = TimeProvider.System;
        long started = clock.GetTimestamp();
        var clients = new List<ChatStreamClient>();
        ChatStreamClient NewClient()
        {
            var client = new ChatStreamClient(server.Address, options.ClientReceiveBufferSize, clock);
            clients.Add(client);
            return client;
        }

        try
        {
            var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!stall)
            {
                resume.SetResult();
            }

            var readers = new List<Task<StreamOutcome>>();
            var stalling = new List<Task<StreamOutcome>>();
            var witnesses = new List<Task<StreamOutcome>>();
            var created = new List<Task<string>>();
            int messages = options.MessagesPerConversation;
            for (int i = 0; i < options.Conversations - stalled; i++)
            {
                ChatStreamClient reader = NewClient();
                Task<string> id = reader.CreateAsync("message 1", LoadScenario.NormalSetting, cancellationToken);
                created.Add(id);
                readers.Add(WhenCreatedAsync(id, c => reader.StreamAsync(c, ClientRole.Reader, messages, null, cancellationToken)));
            }

            for (int i = 0; i < stalled; i++)
            {
                ChatStreamClient stopper = NewClient();
                ChatStreamClient witness = NewClient();
                Task<string> id = stopper.CreateAsync("message 1", LoadScenario.LongSetting, cancellationToken);
                created.Add(id);
                stalling.Add(WhenCreatedAsync(id, c => stopper.StreamAsync(c, ClientRole.Stalled, messages, resume.Task, cancellationToken)));
                witnesses.Add(WhenCreatedAsync(id, c => witness.StreamAsync(c, ClientRole.Witness, messages, null, cancellationToken)));
            }

            StreamOutcome[] readOutcomes = await Task.WhenAll(readers).ConfigureAwait(false);
            StreamOutcome[] witnessOutcomes = await Task.WhenAll(witnesses).ConfigureAwait(false);

            // Lags are summarized and let go before memory is read: what the harness keeps must not pass for the server's.
            LagSummary readerLag = LagSummary.Of(readOutcomes), witnessLag = LagSummary.Of(witnessOutcomes);
            Forget(readOutcomes);
            Forget(witnessOutcomes);

            // Every long conversation is over; a stalled client has read nothing since its first tool started, so the
            // server holds at most a full buffer for it. Nothing is deleted yet: the control wave is read at the same point.
            MemorySample? whileStalled = stalled > 0 ? ChatLoadServer.SampleMemory() : null;
            resume.TrySetResult();
            StreamOutcome[] stalledOutcomes = await Task.WhenAll(stalling).ConfigureAwait(false);
            TimeSpan duration = clock.GetElapsedTime(started);

            ChatStreamClient control = NewClient();
            foreach (string id in await Task.WhenAll(created).ConfigureAwait(false))
            {
                await control.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
            }

            foreach (ChatStreamClient client in clients)
            {
                client.Dispose();
            }

            clients.Clear();

            Forget(stalledOutcomes);
            return new WaveResult
            {
                Number = number,
                Stalling = stall && stalled > 0,
                Readers = readOutcomes,
                Stalled = stalledOutcomes,
                Witnesses = witnessOutcomes,
                ReaderLag = readerLag,
                WitnessLag = witnessLag,
                WhileStalled = whileStalled,
                After = ChatLoadServer.SampleMemory(),
                Duration = duration,
            };
        }
        finally
        {
            foreach (ChatStreamClient client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static void Forget(StreamOutcome[] outcomes)
    {
        foreach (StreamOutcome outcome in outcomes)
        {
            outcome.LagsMs.Clear();
            outcome.LagsMs.TrimExcess();
        }
    }

    private static async Task<StreamOutcome> WhenCreatedAsync(Task<string> created, Func<string, Task<StreamOutcome>> stream) =>
        await stream(await created.ConfigureAwait(false)).ConfigureAwait(false);
}
