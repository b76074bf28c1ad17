using System.Text.Json;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>The usual start of a test: the host over a scenario, alice, her new conversation and (unless told not to) her SSE stream on it.</summary>
internal sealed class ChatSession : IAsyncDisposable
{
    private ChatSession(ChatTestHost host, HttpClient alice, string id)
    {
        Host = host;
        Alice = alice;
        Id = id;
    }

    public ChatTestHost Host { get; }

    public HttpClient Alice { get; }

    public string Id { get; }

    /// <summary>The conversation's path, for the routes under it.</summary>
    public string Path => $"chat/conversations/{Id}";

    public SseClient Events { get; private set; } = null!;

    public static async Task<ChatSession> StartAsync(
        ChatScenario scenario, CancellationToken cancellationToken, Action<ToolPipelineChatOptions>? configure = null, bool connect = true, string message = "Go")
    {
        ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, configure);
        HttpClient alice = host.Client();
        var session = new ChatSession(host, alice, await alice.CreateAsync(message, cancellationToken));
        if (connect)
        {
            session.Events = await SseClient.ConnectAsync(alice, session.Id, cancellationToken);
        }

        return session;
    }

    public Task<JsonElement> SnapshotAsync(CancellationToken cancellationToken) => Alice.GetJsonAsync(Path, cancellationToken);

    /// <summary>POSTs to a route under the conversation, with a JSON body or none.</summary>
    public Task<HttpResponseMessage> PostAsync(string route, CancellationToken cancellationToken, string? json = null) =>
        json is null ? Alice.PostAsync($"{Path}/{route}", null, cancellationToken) : Alice.PostJsonAsync($"{Path}/{route}", json, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Events is not null)
        {
            await Events.DisposeAsync();
        }

        await Host.DisposeAsync();
    }
}
