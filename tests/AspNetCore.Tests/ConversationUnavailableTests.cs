using System.Net;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ToolFlow.WireTesting;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>A conversation its host cannot reach just now (its node died, the cluster has not moved it yet): 503, try again.</summary>
public sealed class ConversationUnavailableTests
{
    /// <summary>The local hubs, except that finding a conversation fails while <see cref="Unreachable"/> is set.</summary>
    private sealed class FlakyHost(ConversationHubs inner) : IConversationHost
    {
        public volatile Exception? Unreachable;

        public ToolPipelineChatOptions Options => inner.Options;

        public CancellationToken Stopping => inner.Stopping;

        public ValueTask<IConversationHandle?> CreateAsync(string owner, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken) =>
            ((IConversationHost)inner).CreateAsync(owner, settings, cancellationToken);

        public ValueTask<IConversationHandle?> FindAsync(string id, string owner, CancellationToken cancellationToken) =>
            Unreachable is { } e ? throw e : ((IConversationHost)inner).FindAsync(id, owner, cancellationToken);

        public bool IsUnavailable(Exception exception) => exception is TimeoutException;
    }

    [Fact]
    public Task ConversationUnreachable_EveryRoute_503WithRetryAfterThenServedAgain() => TestGuard.RunAsync(async ct =>
    {
        var scenario = new ChatScenario(_ => ChatScenario.Text("Hello."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, services: s =>
            s.AddSingleton<FlakyHost>().AddSingleton<IConversationHost>(sp => sp.GetRequiredService<FlakyHost>()));
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("Hi.", ct);
        // The first turn ends: seen live, or in the snapshot of a conversation whose hub was already let go of.
        await using (SseClient sse = await SseClient.ConnectAsync(alice, id, ct, lastEventId: 0))
        {
            await sse.ReadUntilAsync(m => m.Type == "runCompleted" || (m.Type == "snapshot" && !m.Data.GetProperty("running").GetBoolean()), ct);
        }

        FlakyHost flaky = host.Services.GetRequiredService<FlakyHost>();

        flaky.Unreachable = new TimeoutException("no answer from the conversation's silo");
        (HttpMethod Method, string Route)[] routes =
        [
            (HttpMethod.Get, $"chat/conversations/{id}"),
            (HttpMethod.Get, $"chat/conversations/{id}/events"),
            (HttpMethod.Post, $"chat/conversations/{id}/messages"),
            (HttpMethod.Post, $"chat/conversations/{id}/cancel"),
            (HttpMethod.Post, $"chat/conversations/{id}/calls/c1/approve"),
            (HttpMethod.Delete, $"chat/conversations/{id}"),
        ];
        foreach ((HttpMethod method, string route) in routes)
        {
            using var request = new HttpRequestMessage(method, route) { Content = method == HttpMethod.Post ? JsonBody("""{"message": "Again."}""") : null };
            using HttpResponseMessage response = await alice.SendAsync(request, ct);
            Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
            await response.AssertProblemAsync(503, "conversation_unavailable");
        }

        // Any other failure stays a server error: only the host's own "cannot reach it now" is a 503.
        flaky.Unreachable = new InvalidOperationException("a bug");
        using (HttpResponseMessage failed = await alice.GetAsync($"chat/conversations/{id}", ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Null(failed.Headers.RetryAfter);
        }

        // Reachable again: the same conversation, nothing lost.
        flaky.Unreachable = null;
        Assert.Equal([(ChatRole.User, "Hi."), (ChatRole.Assistant, "Hello.")], await TranscriptAsync(alice, id, ct));
    });

    private static StringContent JsonBody(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<List<(ChatRole, string?)>> TranscriptAsync(HttpClient client, string id, CancellationToken ct)
    {
        System.Text.Json.JsonElement snapshot = await client.GetJsonAsync($"chat/conversations/{id}", ct);
        return [.. snapshot.GetProperty("messages").EnumerateArray().Select(m => (new ChatRole(m.GetProperty("role").GetString()!), m.GetProperty("text").GetString()))];
    }
}
