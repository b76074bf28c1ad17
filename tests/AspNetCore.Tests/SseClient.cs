using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>One SSE message as the test reads it: the <c>id:</c>, the <c>event:</c> and the <c>data:</c> JSON.</summary>
internal sealed record SseMessage(long Id, string Type, JsonElement Data)
{
    public string? CallId => Data.TryGetProperty("callId", out JsonElement id) ? id.GetString() : null;

    public override string ToString() => $"{Id} {Type} {Data}";
}

/// <summary>An SSE stream read with the framework's <see cref="SseParser"/>, one message at a time, as a browser's EventSource would.</summary>
internal sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _items;
    private Task<bool>? _moving;

    private SseClient(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _items = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
    }

    public List<SseMessage> Received { get; } = [];

    /// <summary>What this client has seen, folded.</summary>
    public WireFold Fold { get; } = new();

    public HttpResponseMessage Response => _response;

    public static async Task<SseClient> ConnectAsync(HttpClient client, string conversationId, CancellationToken cancellationToken, long? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"chat/conversations/{conversationId}/events");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(CultureInfo.InvariantCulture));
        }

        return Over(await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken));
    }

    /// <summary>Reads a response that is an event stream.</summary>
    public static SseClient Over(HttpResponseMessage response)
    {
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseClient(response, response.Content.ReadAsStream());
    }

    public async Task<SseMessage> NextAsync(CancellationToken cancellationToken)
    {
        _moving = _items.MoveNextAsync().AsTask();
        try
        {
            Assert.True(await _moving.WaitAsync(cancellationToken), "the stream ended");
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("No SSE message came; received: " + string.Join(" | ", Received.Select(m => $"{m.Id} {m.Type}")));
        }

        _moving = null;
        SseItem<string> item = _items.Current;
        JsonElement data = JsonDocument.Parse(item.Data).RootElement.Clone();
        var message = new SseMessage(long.Parse(item.EventId!, CultureInfo.InvariantCulture), item.EventType, data);

        // Every message is self-describing: its data repeats its type and id.
        Assert.Equal(message.Type, data.GetProperty("type").GetString());
        Assert.Equal(message.Id, data.GetProperty("id").GetInt64());
        Received.Add(message);
        Fold.Apply(message);
        return message;
    }

    /// <summary>Reads until a message matches, and returns it.</summary>
    public async Task<SseMessage> ReadUntilAsync(Func<SseMessage, bool> match, CancellationToken cancellationToken)
    {
        while (true)
        {
            SseMessage message = await NextAsync(cancellationToken);
            if (match(message))
            {
                return message;
            }
        }
    }

    public Task<SseMessage> ReadUntilAsync(string type, CancellationToken cancellationToken, string? callId = null) =>
        ReadUntilAsync(m => m.Type == type && (callId is null || m.CallId == callId), cancellationToken);

    /// <summary>Reads until the model's streams have ended and every call named is in its state: then nothing more comes until the test opens a gate or decides.</summary>
    public async Task WaitForQuietAsync(CancellationToken cancellationToken, params (string CallId, string State)[] calls)
    {
        while (!Fold.DecodeDone || calls.Any(c => Fold.Calls.GetValueOrDefault(c.CallId) != c.State))
        {
            await NextAsync(cancellationToken);
        }
    }

    /// <summary>Reads until this client's view has the call in <paramref name="state"/>.</summary>
    public async Task WaitForCallAsync(string callId, string state, CancellationToken cancellationToken)
    {
        while (Fold.Calls.GetValueOrDefault(callId) != state)
        {
            await NextAsync(cancellationToken);
        }
    }

    /// <summary>Reads until the run under way has completed (the view is not running after a runCompleted).</summary>
    public async Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        while (Received.Count == 0 || Fold.Running || Received[^1].Type is not ("runCompleted" or "snapshot"))
        {
            await NextAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the response ends a read under way, which must end before the parser can be disposed.
        _response.Dispose();
        if (_moving is not null)
        {
            await _moving.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        await _items.DisposeAsync();
    }
}
