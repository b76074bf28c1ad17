using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Net.Sockets;
using System.Text.Json;

namespace ToolFlow.ChatLoad;

/// <summary>
/// One client of the load: its own <see cref="HttpClient"/> and connections. It creates a conversation or joins one,
/// reads the conversation's SSE stream and checks it as it arrives (see <see cref="StreamOutcome.Errors"/>).
/// </summary>
public sealed class ChatStreamClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeProvider _timeProvider;

    /// <summary>Initializes a client.</summary>
    /// <param name="address">The server's base address.</param>
    /// <param name="receiveBufferSize">Its sockets' receive buffer in bytes, or 0 for the kernel's default.</param>
    /// <param name="timeProvider">The clock that stamps each event's arrival (the server's, so lags compare).</param>
    public ChatStreamClient(Uri address, int receiveBufferSize, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(receiveBufferSize);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var handler = new SocketsHttpHandler { ConnectCallback = (context, ct) => ConnectAsync(context, receiveBufferSize, ct) };
        _http = new HttpClient(handler) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        _timeProvider = timeProvider;
    }

    /// <summary>Creates a conversation whose first turn starts at once.</summary>
    /// <param name="message">The first user message.</param>
    /// <param name="scenario">The <see cref="LoadScenario"/> setting.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The conversation's id.</returns>
    public async Task<string> CreateAsync(string message, string scenario, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.PostAsJsonAsync(
            $"{ChatLoadServer.Prefix}/conversations",
            new { message, settings = new Dictionary<string, string> { [LoadScenario.SettingKey] = scenario } },
            cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new HttpRequestException($"Creating a conversation answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        return body.RootElement.GetProperty("id").GetString() ?? throw new HttpRequestException("Creating a conversation answered no id.");
    }

    /// <summary>Deletes a conversation.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the server has deleted it.</returns>
    public async Task DeleteAsync(string conversationId, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.DeleteAsync($"{ChatLoadServer.Prefix}/conversations/{conversationId}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NoContent)
        {
            throw new HttpRequestException($"Deleting conversation {conversationId} answered {(int)response.StatusCode}.");
        }
    }

    /// <summary>
    /// Reads a conversation's stream (no Last-Event-ID, so it starts with a snapshot) until the conversation has
    /// completed <paramref name="messages"/> runs, checking every event; a <see cref="ClientRole.Stalled"/> client stops
    /// reading at the first <c>toolCallStarted</c> until <paramref name="resume"/> completes.
    /// </summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="role">What the client does.</param>
    /// <param name="messages">The user messages the conversation gets; a reader or witness sends each next one.</param>
    /// <param name="resume">For a stalled client: completes when it may read again.</param>
    /// <param name="cancellationToken">Cancels the stream.</param>
    /// <returns>What the client saw.</returns>
    public async Task<StreamOutcome> StreamAsync(string conversationId, ClientRole role, int messages, Task? resume, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        if (role == ClientRole.Stalled)
        {
            ArgumentNullException.ThrowIfNull(resume);
        }

        var outcome = new StreamOutcome { Role = role, ConversationId = conversationId };
        var posts = new List<Task>();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{ChatLoadServer.Prefix}/conversations/{conversationId}/events");
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                lock (outcome)
                {
                    outcome.Errors.Add($"The events request answered {(int)response.StatusCode} {response.Content.Headers.ContentType}.");
                }

                return outcome;
            }

            using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var state = new StreamCheck(outcome);
            bool paused = false;
            await foreach (SseItem<WireEvent> item in SseParser.Create(body, static (_, data) => WireEvent.Parse(data)).EnumerateAsync(cancellationToken).ConfigureAwait(false))
            {
                DateTimeOffset received = _timeProvider.GetUtcNow();
                WireEvent e = item.Data;
                state.Check(item.EventType, item.EventId, e, received);
                if (role != ClientRole.Stalled && state.ShouldSendNext(messages, e))
                {
                    posts.Add(PostMessageAsync(conversationId, $"message {state.UserMessages + 1}", outcome, cancellationToken));
                }

                if (state.IsOver(messages))
                {
                    break;
                }

                if (role == ClientRole.Stalled && !paused && e.Type == "toolCallStarted")
                {
                    // Keep the connection, read nothing: the server must not wait for this client, nor buffer for it without bound.
                    paused = true;
                    await resume!.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            if (!state.IsOver(messages))
            {
                lock (outcome)
                {
                    outcome.Errors.Add($"The stream ended after {outcome.RunsCompleted} of {messages} runs.");
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or FormatException)
        {
            lock (outcome)
            {
                outcome.Errors.Add($"{e.GetType().Name}: {e.Message}");
            }
        }

        await Task.WhenAll(posts).ConfigureAwait(false);
        return outcome;
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, int receiveBufferSize, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (receiveBufferSize > 0)
            {
                // Set before connecting, so the kernel does not grow it: a client that stops reading holds little.
                socket.ReceiveBufferSize = receiveBufferSize;
            }

            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task PostMessageAsync(string conversationId, string message, StreamOutcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            using HttpResponseMessage response = await _http.PostAsJsonAsync($"{ChatLoadServer.Prefix}/conversations/{conversationId}/messages", new { message }, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                lock (outcome)
                {
                    outcome.Errors.Add($"Sending the next message answered {(int)response.StatusCode}: {body}");
                }
            }
        }
        catch (HttpRequestException e)
        {
            lock (outcome)
            {
                outcome.Errors.Add($"Sending the next message failed: {e.Message}");
            }
        }
    }

    // The stream's rules, applied event by event.
    private sealed class StreamCheck(StreamOutcome outcome)
    {
        private bool _expectSnapshot = true;
        private bool _sawFirst;
        private int _requested;
        private long? _laggedId;

        public int UserMessages { get; private set; }

        public void Check(string sseType, string? sseId, WireEvent e, DateTimeOffset received)
        {
            outcome.Events++;
            if (sseType != e.Type)
            {
                Error($"An SSE event type '{sseType}' carries data of type '{e.Type}'.");
            }

            if (sseId != e.Id.ToString(CultureInfo.InvariantCulture))
            {
                Error($"An SSE id '{sseId}' carries data id {e.Id}.");
            }

            switch (e.Type)
            {
                case "snapshot":
                    if (!_expectSnapshot)
                    {
                        Error($"A snapshot (id {e.Id}) came neither first nor after lagged.");
                    }
                    else if (_sawFirst && e.Id < outcome.LastId)
                    {
                        Error($"A snapshot went back from id {outcome.LastId} to {e.Id}.");
                    }
                    else if (_laggedId is { } lagged && e.Id != lagged)
                    {
                        Error($"A snapshot after lagged has id {e.Id}, the lagged event {lagged}.");
                    }

                    _laggedId = null;

                    outcome.Snapshots++;
                    outcome.LastId = e.Id;
                    UserMessages = e.UserMessages;
                    outcome.RunsCompleted = e.UserMessages - (e.Running ? 1 : 0);
                    _expectSnapshot = false;
                    break;
                case "lagged":
                    if (_expectSnapshot)
                    {
                        Error("lagged came where a snapshot was due.");
                    }

                    _laggedId = e.Id;
                    outcome.Lagged++;
                    outcome.Skipped += e.Skipped;
                    _expectSnapshot = true;
                    break;
                default:
                    if (_expectSnapshot)
                    {
                        Error($"Event {e.Id} ({e.Type}) came where a snapshot was due.");
                    }
                    else if (e.Id != outcome.LastId + 1)
                    {
                        Error($"Event {e.Id} ({e.Type}) came after {outcome.LastId}: {(e.Id > outcome.LastId ? "lost" : "reordered or duplicated")}.");
                    }

                    outcome.LastId = e.Id;
                    if (e.Timestamp is { } timestamp)
                    {
                        outcome.LagsMs.Add((received - timestamp).TotalMilliseconds);
                    }
                    else
                    {
                        Error($"Event {e.Id} ({e.Type}) has no timestamp.");
                    }

                    if (e.Type == "userMessage")
                    {
                        UserMessages++;
                    }
                    else if (e.Type == "runCompleted")
                    {
                        outcome.RunsCompletedSeen++;
                        outcome.RunsCompleted++;
                    }

                    break;
            }

            _sawFirst = true;
        }

        // The last message's run has completed and another is due (and not asked for already).
        public bool ShouldSendNext(int messages, WireEvent e)
        {
            if ((e.Type == "runCompleted" || (e.Type == "snapshot" && !e.Running)) && outcome.RunsCompleted == UserMessages && UserMessages < messages && _requested <= UserMessages)
            {
                _requested = UserMessages + 1;
                return true;
            }

            return false;
        }

        public bool IsOver(int messages) => UserMessages >= messages && outcome.RunsCompleted >= messages;

        private void Error(string message)
        {
            lock (outcome)
            {
                outcome.Errors.Add(message);
            }
        }
    }
}
