using ToolFlow.ChatLoad;
using Xunit.Abstractions;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>Runs the load test alone, after the parallel tests, so no other test's work makes a reader fall behind.</summary>
[CollectionDefinition(nameof(ChatLoadTests), DisableParallelization = true)]
public sealed class ChatLoadCollection;

/// <summary>
/// The bounded version of perf/ChatLoad: 200 concurrent conversations over loopback, each read by its own SSE client,
/// 20 of which stop reading mid-stream (keeping the connection) while their conversations answer at length and a
/// second client on each sends the next message. Each long answer alone is more events than a stalled client's buffer
/// and connection hold (<see cref="ChatLoadOptions"/>'s defaults), so it must fall behind wherever it stalls. Bounded by count and a generous deadline; nothing is timed. Each
/// stream is checked as it arrives by <see cref="ChatStreamClient"/>: it starts with a snapshot, every later id is the
/// one after the last, SSE id and type agree with the data, <c>lagged</c> is followed by a snapshot, and it ends once
/// every run of the conversation has ended with <c>runCompleted</c>.
/// </summary>
[Collection(nameof(ChatLoadTests))]
public sealed class ChatLoadTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Events_200ConversationsWith20StalledClients_ReadersGetEveryEventInOrderAndStalledOnesResync()
    {
        var options = new ChatLoadOptions
        {
            Conversations = 200,
            Stalled = 20,
            Waves = 0,
            Timeout = s_deadline,
        };
        using var deadline = new CancellationTokenSource(s_deadline);
        await using ChatLoadServer server = await ChatLoadServer.StartAsync(options, deadline.Token);

        WaveResult wave = await LoadWave.RunAsync(server, options, number: 1, options.Stalled, stall: true, deadline.Token);

        output.WriteLine($"{wave.All.Sum(c => c.Events)} events; stalled clients skipped {wave.Stalled.Sum(c => c.Skipped)}.");
        Assert.Equal(180, wave.Readers.Count);
        Assert.Equal(20, wave.Stalled.Count);
        Assert.Equal(20, wave.Witnesses.Count);
        foreach (StreamOutcome client in wave.Readers)
        {
            Assert.Empty(client.Errors);
            Assert.True(client.Lagged == 0, $"The reader of {client.ConversationId} fell behind {client.Lagged} time(s) ({client.Skipped} events skipped).");
            Assert.Equal(options.MessagesPerConversation, client.RunsCompleted);
        }

        // A witness reads a long answer at its full rate; on a starved machine it may fall behind like any slow client
        // (lagged then a snapshot, which the check allows), but it never sees a gap or a reordering.
        foreach (StreamOutcome client in wave.Witnesses)
        {
            Assert.Empty(client.Errors);
            Assert.Equal(options.MessagesPerConversation, client.RunsCompleted);
        }

        foreach (StreamOutcome client in wave.Stalled)
        {
            Assert.Empty(client.Errors);
            Assert.True(client.Lagged >= 1, $"The stalled client of {client.ConversationId} was never told it fell behind.");
            Assert.True(client.Skipped > 0);

            // The first snapshot, then one after each lagged; the last one shows the conversation over.
            Assert.Equal(client.Lagged + 1, client.Snapshots);
            Assert.Equal(options.MessagesPerConversation, client.RunsCompleted);
        }

        // A stalled client ends where its witness, which read everything, ended: nothing is lost for it either.
        Assert.Equal(
            wave.Witnesses.OrderBy(c => c.ConversationId, StringComparer.Ordinal).Select(c => (c.ConversationId, c.LastId)),
            wave.Stalled.OrderBy(c => c.ConversationId, StringComparer.Ordinal).Select(c => (c.ConversationId, c.LastId)));
    }
}
