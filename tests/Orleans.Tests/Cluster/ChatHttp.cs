using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace ToolFlow.Orleans.Tests.Cluster;

/// <summary>The chat endpoints of one node, as a browser signed in with the given cookies uses them.</summary>
internal sealed class ChatHttp : IDisposable
{
    private readonly HttpClient _http;
    private int _reconnects;

    private ChatHttp(Uri node, CookieContainer cookies) =>
        _http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = node, Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Opens the page (which signs a new browser in, or keeps the cookies' user) and returns the client.</summary>
    public static async Task<ChatHttp> OpenAsync(Uri node, CookieContainer cookies, CancellationToken cancellationToken)
    {
        var chat = new ChatHttp(node, cookies);
        using HttpResponseMessage page = await chat._http.GetAsync(new Uri("/", UriKind.Relative), cancellationToken);
        page.EnsureSuccessStatusCode();
        return chat;
    }

    public async Task<string> CreateAsync(string message, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.PostAsJsonAsync(new Uri("/chat/conversations", UriKind.Relative), new { message, settings }, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("id").GetString()!;
    }

    public async Task SendAsync(string conversation, string message, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.PostAsJsonAsync(new Uri($"/chat/conversations/{conversation}/messages", UriKind.Relative), new { message }, cancellationToken);
        await EnsureAsync(response, cancellationToken);
    }

    public async Task<JsonElement> SnapshotAsync(string conversation, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.GetAsync(new Uri($"/chat/conversations/{conversation}", UriKind.Relative), cancellationToken);
        await EnsureAsync(response, cancellationToken);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.Clone();
    }

    /// <summary>The conversation's events (a snapshot first without <paramref name="lastEventId"/>), as they come.</summary>
    public async IAsyncEnumerable<ChatEvent> EventsAsync(string conversation, long? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/chat/conversations/{conversation}/events", UriKind.Relative));
        if (lastEventId is long after)
        {
            request.Headers.Add("Last-Event-ID", after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        await using Stream body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (SseItem<string> item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            using JsonDocument data = JsonDocument.Parse(item.Data);
            yield return new ChatEvent(long.Parse(item.EventId!, System.Globalization.CultureInfo.InvariantCulture), item.EventType, data.RootElement.Clone());
        }
    }

    /// <summary>
    /// Reads events until the run in progress completes (or a snapshot shows none running). A stream that ends first
    /// (its conversation's grain moved) is opened again with the last id seen, as a browser's EventSource does, at
    /// most <paramref name="maxReconnects"/> times.
    /// </summary>
    public async Task<List<ChatEvent>> ReadRunAsync(string conversation, long? lastEventId, CancellationToken cancellationToken, int maxReconnects = 5)
    {
        var events = new List<ChatEvent>();
        for (int connection = 0; connection <= maxReconnects; connection++)
        {
            await foreach (ChatEvent e in EventsAsync(conversation, lastEventId, cancellationToken))
            {
                events.Add(e);
                lastEventId = e.Id;
                if (e.Type == "runCompleted" || (e.Type == "snapshot" && !e.Data.GetProperty("running").GetBoolean() && e.Data.GetProperty("turns").GetArrayLength() > 0))
                {
                    return events;
                }
            }

            Interlocked.Increment(ref _reconnects);
        }

        return events;
    }

    /// <summary>How many times <see cref="ReadRunAsync"/> opened a stream again.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    public void Dispose() => _http.Dispose();

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} from {response.RequestMessage?.RequestUri}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
