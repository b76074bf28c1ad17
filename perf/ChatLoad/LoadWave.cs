namespace ToolFlow.ChatLoad;

/// <summary>
/// Runs one wave: every conversation created at once by POST and streamed by its own client. Each stalled client's
/// conversation (the long scenario) also has a witness, a second reader that sends its next message and says when it
/// is over; the stalled clients read again once every reader and witness is done, and must then get <c>lagged</c>
/// and a snapshot. Then every conversation is deleted and memory is read.
/// </summary>
public static class LoadWave
{
    /// <summary>Runs a wave.</summary>
    /// <param name="server">The server.</param>
    /// <param name="options">The run's options.</param>
    /// <param name="number">The wave's number, from 1.</param>
    /// <param name="stalled">How many of the <see cref="ChatLoadOptions.Conversations"/> clients stall.</param>
    /// <param name="cancellationToken">Cancels the wave.</param>
    /// <returns>What every client saw, and the memory.</returns>
    public static async Task<WaveResult> RunAsync(ChatLoadServer server, ChatLoadOptions options, int number, int stalled, CancellationToken cancellationToken)
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
                readers.Add(WhenCreatedAsync(id, c => reader.StreamAsync(c, ClientRole.Reader, messages, null, null, cancellationToken)));
            }

            for (int i = 0; i < stalled; i++)
            {
                ChatStreamClient stopper = NewClient();
                ChatStreamClient witness = NewClient();
                Task<string> id = stopper.CreateAsync("message 1", LoadScenario.LongSetting, cancellationToken);
                created.Add(id);
                stalling.Add(WhenCreatedAsync(id, c => stopper.StreamAsync(c, ClientRole.Stalled, messages, resume.Task, null, cancellationToken)));
                witnesses.Add(WhenCreatedAsync(id, c => witness.StreamAsync(c, ClientRole.Witness, messages, null, null, cancellationToken)));
            }

            StreamOutcome[] readOutcomes = await Task.WhenAll(readers).ConfigureAwait(false);
            StreamOutcome[] witnessOutcomes = await Task.WhenAll(witnesses).ConfigureAwait(false);

            // Every stalled conversation is over and its client has read nothing since its first tool started: the
            // server holds at most a full buffer for it.
            MemorySample? whileStalled = stalled > 0 ? ChatLoadServer.SampleMemory() : null;
            resume.SetResult();
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
            return new WaveResult
            {
                Number = number,
                Readers = readOutcomes,
                Stalled = stalledOutcomes,
                Witnesses = witnessOutcomes,
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

    private static async Task<StreamOutcome> WhenCreatedAsync(Task<string> created, Func<string, Task<StreamOutcome>> stream) =>
        await stream(await created.ConfigureAwait(false)).ConfigureAwait(false);
}
