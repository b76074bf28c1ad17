using System.Net;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ToolFlow.Providers.Scripted;
using ToolFlow.WireTesting;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>A store of the user's own behind the endpoints: conversations outlive the process's hubs.</summary>
public sealed class ToolPipelineChatStoreTests
{
    /// <summary>A custom store (over a dictionary of its own) that says when a transcript has been written.</summary>
    private sealed class RecordingStore : IToolPipelineChatStore
    {
        private readonly Dictionary<string, ToolPipelineChatConversation> _conversations = [];
        private readonly TaskCompletionSource<ToolPipelineChatConversation> _saved = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<ToolPipelineChatConversation> Saved => _saved.Task;

        public List<string> Calls { get; } = [];

        public ValueTask CreateAsync(ToolPipelineChatConversation conversation, CancellationToken cancellationToken)
        {
            lock (_conversations)
            {
                Calls.Add("create");
                _conversations.Add(conversation.Id, conversation);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<ToolPipelineChatConversation?> GetAsync(string id, CancellationToken cancellationToken)
        {
            lock (_conversations)
            {
                Calls.Add("get");
                return ValueTask.FromResult(_conversations.GetValueOrDefault(id));
            }
        }

        public ValueTask UpdateAsync(ToolPipelineChatConversation conversation, CancellationToken cancellationToken)
        {
            lock (_conversations)
            {
                Calls.Add("update");
                _conversations[conversation.Id] = conversation;
            }

            if (!conversation.State.Running && conversation.Messages.Count > 1)
            {
                _saved.TrySetResult(conversation);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
        {
            lock (_conversations)
            {
                Calls.Add("delete");
                return ValueTask.FromResult(_conversations.Remove(id));
            }
        }

        public ValueTask<int> CountAsync(string owner, CancellationToken cancellationToken)
        {
            lock (_conversations)
            {
                Calls.Add("count");
                return ValueTask.FromResult(_conversations.Values.Count(c => c.Owner == owner));
            }
        }
    }

    [Fact]
    public Task CustomStore_ConversationSavedAfterItsRun_AnotherHostServesItAndContinuesFromTheTranscript() => TestGuard.RunAsync(async ct =>
    {
        var store = new RecordingStore();
        var seen = new List<IReadOnlyList<ChatMessage>>();
        var scenario = new ChatScenario(messages =>
        {
            lock (seen)
            {
                seen.Add([.. messages]);
            }

            return ChatScenario.Text(ScriptedChatClient.TurnOf(messages) == 1 ? "Noted: blue." : "You said blue.");
        });
        string id;
        string snapshot;
        await using (ChatTestHost first = await ChatTestHost.StartAsync(scenario.Create, services: s => s.AddSingleton<IToolPipelineChatStore>(store)))
        {
            Assert.Same(store, first.Store());
            id = await first.Client().CreateAsync("My colour is blue.", ct, new Dictionary<string, string> { ["scenario"] = "colours" });
            ToolPipelineChatConversation saved = await store.Saved;
            Assert.Equal(("alice", "colours"), (saved.Owner, saved.Settings["scenario"]));
            Assert.Equal([(ChatRole.User, "My colour is blue."), (ChatRole.Assistant, "Noted: blue.")], saved.Messages.Select(m => (m.Role, m.Text)));
            snapshot = (await first.Client().GetJsonAsync($"chat/conversations/{id}", ct)).GetRawText();
            Assert.Equal(saved.State.Id, JsonDocument.Parse(snapshot).RootElement.GetProperty("id").GetInt64());
        }

        // A new process: the hub is rebuilt from the store; ids go on from the stored state.
        await using ChatTestHost second = await ChatTestHost.StartAsync(scenario.Create, services: s => s.AddSingleton<IToolPipelineChatStore>(store));
        HttpClient alice = second.Client();
        Assert.Equal(snapshot, (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetRawText());
        using HttpResponseMessage notBob = await second.Client("bob").GetAsync($"chat/conversations/{id}", ct);
        await notBob.AssertProblemAsync(404, "conversation_not_found");

        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct);
        long stored = (await sse.NextAsync(ct)).Id;
        using HttpResponseMessage accepted = await alice.PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "What was it?"}""", ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(stored + 1, (await sse.ReadUntilAsync("userMessage", ct)).Id);
        Assert.Equal("You said blue.", (await sse.ReadUntilAsync("runCompleted", ct)).Data.GetProperty("finalText").GetString());
        lock (seen)
        {
            Assert.Equal(["My colour is blue.", "Noted: blue.", "What was it?"], seen[^1].Select(m => m.Text));
        }

        Assert.Contains("create", store.Calls);
        Assert.Contains("count", store.Calls);
    });

    [Fact]
    public async Task InMemoryStore_CreateGetUpdateDeleteCount_ActsOnItsDictionary()
    {
        var store = new InMemoryToolPipelineChatStore();
        DateTimeOffset at = DateTimeOffset.UnixEpoch;
        var conversation = new ToolPipelineChatConversation("c1", "alice", new Dictionary<string, string>(), at, [], ChatState.Empty("c1", at));
        await store.CreateAsync(conversation, CancellationToken.None);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateAsync(conversation, CancellationToken.None).AsTask());
        Assert.Same(conversation, await store.GetAsync("c1", CancellationToken.None));
        Assert.Equal((1, 0), (await store.CountAsync("alice", CancellationToken.None), await store.CountAsync("bob", CancellationToken.None)));

        ToolPipelineChatConversation updated = conversation with { Messages = [new ChatMessage(ChatRole.User, "hi")] };
        await store.UpdateAsync(updated, CancellationToken.None);
        Assert.Same(updated, await store.GetAsync("c1", CancellationToken.None));
        Assert.True(await store.DeleteAsync("c1", CancellationToken.None));
        Assert.False(await store.DeleteAsync("c1", CancellationToken.None));
        Assert.Null(await store.GetAsync("c1", CancellationToken.None));
    }
}
