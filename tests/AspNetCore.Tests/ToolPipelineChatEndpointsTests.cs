using System.Net;
using System.Text.Json;
using System.Threading.Tasks.Dataflow;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;
using ToolFlow.WireTesting;

namespace ToolFlow.AspNetCore.Tests;

/// <summary>
/// The chat routes over real HTTP: Kestrel on loopback, HttpClient and the framework's SSE parser. The model streams
/// at once; tools finish when the test opens their gates, so every step is ordered by a gate, never by time.
/// </summary>
public sealed class ToolPipelineChatEndpointsTests
{
    private static ScriptedResponse OneCall(string tool = "slow") =>
        new ScriptedResponse().Text("Looking it up.").Call(tool, """{"q": "a"}""").Text(" One moment.");

    private static ScriptedResponse ThreeCalls() =>
        new ScriptedResponse().Text("Three at once.").Call("slow", """{"q": "a"}""").Call("fast", """{"q": "b"}""").Call("other", """{"q": "c"}""").Text(" Waiting.");

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, CancellationToken ct) =>
        await client.PostAsync(path, content: null, ct);

    private static async Task AssertConsecutiveAsync(IReadOnlyList<SseMessage> messages)
    {
        long[] ids = [.. messages.Select(m => m.Id)];
        Assert.Equal(Enumerable.Range(0, ids.Length).Select(i => ids[0] + i), ids);
        await Task.CompletedTask;
    }

    [Fact]
    public Task Events_NoLastEventId_SnapshotThenEveryLaterEventWithConsecutiveIds() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("It is 42."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();

        string id = await alice.CreateAsync("What is it?", ct);
        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct);
        SseMessage snapshot = await sse.NextAsync(ct);
        Assert.Equal("snapshot", snapshot.Type);
        Assert.Equal(id, snapshot.Data.GetProperty("conversationId").GetString());

        // The tool holds the run: the stream is live while the call runs, and so is the snapshot route.
        await sse.WaitForQuietAsync(ct, ("call_t1_0", "running"));
        JsonElement running = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.True(running.GetProperty("running").GetBoolean());
        Assert.Equal(("slow", "running"), (running.GetProperty("calls")[0].GetProperty("name").GetString(), running.GetProperty("calls")[0].GetProperty("state").GetString()));
        Assert.Equal("""{"q": "a"}""", running.GetProperty("calls")[0].GetProperty("arguments").GetString());

        scenario.Gate("slow").Open("the slow result");
        await sse.ReadUntilAsync("runCompleted", ct);

        await AssertConsecutiveAsync(sse.Received);
        Assert.Contains(sse.Received, m => m.Type == "toolCallCompleted" && m.Data.GetProperty("resultPreview").GetString() == "the slow result");
        Assert.Equal("It is 42.", sse.Received[^1].Data.GetProperty("finalText").GetString());
        Assert.Equal("finalAnswer", sse.Received[^1].Data.GetProperty("reason").GetString());

        JsonElement done = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.False(done.GetProperty("running").GetBoolean());
        Assert.Equal(sse.Received[^1].Id, done.GetProperty("id").GetInt64());
        Assert.Equal("done", done.GetProperty("calls")[0].GetProperty("state").GetString());
        Assert.Equal(
            [("user", 1, "What is it?"), ("assistant", 1, "Looking it up. One moment."), ("assistant", 2, "It is 42.")],
            done.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("turn").GetInt32(), m.GetProperty("text").GetString())));
        Assert.Equal(
            [(1, true, true), (2, true, true)],
            done.GetProperty("turns").EnumerateArray().Select(t => (t.GetProperty("turn").GetInt32(), t.GetProperty("decodeEndedAt").ValueKind == JsonValueKind.String, t.GetProperty("endedAt").ValueKind == JsonValueKind.String)));
        Assert.Equal("stop", sse.Received.Last(m => m.Type == "modelStreamEnded").Data.GetProperty("finishReason").GetString());
        Assert.Equal(sse.Fold.ToString(), WireFold.OfSnapshot(done).ToString());
    });

    [Fact]
    public Task Events_PermissionRevokedWhileTheCallRuns_StreamCarriesTheChecksAndTheQuarantineButNeverTheResult() => TestGuard.RunAsync(async ct =>
    {
        var permissions = new ToolPermissions(["slow", "fast"]);
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("It is withheld."));
        scenario.Configure = b => b.WithPermissionPolicy(permissions);
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("What is it?", ct);

        // From the first event, so the dispatch check (before the client connects) is replayed too.
        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct, lastEventId: 0);
        await sse.WaitForCallAsync("call_t1_0", "running", ct);

        permissions.Revoke("slow");
        scenario.Gate("slow").Open("the secret figures");
        await sse.ReadUntilAsync("runCompleted", ct);

        Assert.Equal(
            [("dispatch", true, "0"), ("result", false, "1")],
            sse.Received.Where(m => m.Type == "toolCallPermissionChecked").Select(m => (m.Data.GetProperty("checkpoint").GetString(), m.Data.GetProperty("allowed").GetBoolean(), m.Data.GetProperty("revision").GetString())));
        SseMessage quarantined = sse.Received.Single(m => m.Type == "toolResultQuarantined");
        Assert.Equal(("call_t1_0", "ToolPermissions"), (quarantined.Data.GetProperty("callId").GetString(), quarantined.Data.GetProperty("policy").GetString()));
        Assert.Equal("quarantined", sse.Received.Single(m => m.Type == "toolCallFailed").Data.GetProperty("kind").GetString());
        Assert.All(sse.Received, m => Assert.DoesNotContain("the secret figures", m.Data.GetRawText(), StringComparison.Ordinal));

        JsonElement done = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.Equal("failed", done.GetProperty("calls")[0].GetProperty("state").GetString());
        Assert.DoesNotContain("the secret figures", done.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(sse.Fold.ToString(), WireFold.OfSnapshot(done).ToString());
    });

    [Fact]
    public Task Events_RunFaultsWithACallRunning_TheCallEndsCancelledInTheStreamAndTheSnapshot() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(new ScriptedResponse().Text("Looking.").Call("slow", """{"q": "a"}""").Text("boom"));
        scenario.Hold = true;

        // A stage of the user's that throws: a bug in the pipeline, not a tool's failure.
        scenario.Configure = b => b.InsertAfter(ToolPipelineStage.Execute, static () => new TransformBlock<ToolPipelineEvent, ToolPipelineEvent>(
            e => e is TextDelta { Text: var text } && text.Contains("boom", StringComparison.Ordinal) ? throw new InvalidOperationException("the stage broke") : e));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("Go", ct);
        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct);
        await sse.WaitForCallAsync("call_t1_0", "running", ct);

        scenario.Holding.Release();
        SseMessage ended = await sse.ReadUntilAsync("runCompleted", ct);
        Assert.Equal("faulted", ended.Data.GetProperty("reason").GetString());
        Assert.Contains(sse.Received, m => m.Type == "diagnosticReported" && m.Data.GetProperty("code").GetString() == "run_faulted");
        SseMessage failed = sse.Received.Single(m => m.Type == "toolCallFailed");
        Assert.Equal("cancelled", failed.Data.GetProperty("kind").GetString());
        Assert.Equal("cancelled", sse.Fold.Calls["call_t1_0"]);

        JsonElement snapshot = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.False(snapshot.GetProperty("running").GetBoolean());
        Assert.Equal("cancelled", snapshot.GetProperty("calls")[0].GetProperty("state").GetString());
    });

    [Fact]
    public Task Events_ModelStillTalking_ClientSeesTheCallRunningBeforeTheResponseEnds() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("It is 42."));
        scenario.Hold = true;
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("What is it?", ct);
        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct);

        // The model holds the text after the call until the client has seen the call start.
        await sse.WaitForCallAsync("call_t1_0", "running", ct);
        Assert.DoesNotContain(sse.Received, m => m.Type is "modelStreamEnded" or "turnCompleted");
        JsonElement midway = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        Assert.Equal(JsonValueKind.Null, midway.GetProperty("turns")[0].GetProperty("decodeEndedAt").ValueKind);
        Assert.Equal("Looking it up.", midway.GetProperty("messages")[1].GetProperty("text").GetString());

        scenario.Holding.Release();
        SseMessage decoded = await sse.ReadUntilAsync("modelStreamEnded", ct);
        Assert.Equal("running", sse.Fold.Calls["call_t1_0"]);
        scenario.Gate("slow").Open("the slow result");
        await sse.WaitForIdleAsync(ct);
        Assert.True(sse.Received.FindIndex(m => m.Type == "toolCallStarted") < sse.Received.IndexOf(decoded));
        Assert.Equal("It is 42.", sse.Received[^1].Data.GetProperty("finalText").GetString());
    });

    [Fact]
    public Task Events_LastEventId_ReplaysWhatFollowsThenLiveAndEveryViewFoldsTheSame() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(ThreeCalls(), ChatScenario.Text("All three are back."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("Go", ct);
        await scenario.Gate("other").Started;

        // A tool body can start before its events reach the log: read until this view has all three running.
        await using SseClient fromSnapshot = await SseClient.ConnectAsync(alice, id, ct);
        Assert.Equal("snapshot", (await fromSnapshot.NextAsync(ct)).Type);
        foreach (string call in new[] { "call_t1_0", "call_t1_1", "call_t1_2" })
        {
            await fromSnapshot.WaitForCallAsync(call, "running", ct);
        }

        Assert.True(fromSnapshot.Received[^1].Id > 6, $"the run is under way: {fromSnapshot.Received[^1].Id}");

        // One client resumes after event 5 (replay, then live); one from the very start (the whole stream).
        await using SseClient resumed = await SseClient.ConnectAsync(alice, id, ct, lastEventId: 5);
        await using SseClient whole = await SseClient.ConnectAsync(alice, id, ct, lastEventId: 0);
        Assert.Equal(6, (await resumed.NextAsync(ct)).Id);
        Assert.Equal(1, (await whole.NextAsync(ct)).Id);

        scenario.Gate("fast").Open("fast result");
        scenario.Gate("slow").Open("slow result");
        scenario.Gate("other").Open("other result");
        foreach (SseClient client in new[] { fromSnapshot, resumed, whole })
        {
            await client.ReadUntilAsync("runCompleted", ct);
            await AssertConsecutiveAsync(client.Received);
        }

        Assert.Equal("userMessage", whole.Received[0].Type);

        // Same ids, same bytes: a replayed event is the event.
        Dictionary<long, string> byId = whole.Received.ToDictionary(m => m.Id, m => m.Data.GetRawText());
        Assert.All(resumed.Received.Concat(fromSnapshot.Received.Skip(1)), m => Assert.Equal(byId[m.Id], m.Data.GetRawText()));

        JsonElement done = await alice.GetJsonAsync($"chat/conversations/{id}", ct);
        string expected = WireFold.OfSnapshot(done).ToString();
        Assert.Equal(expected, whole.Fold.ToString());
        Assert.Equal(expected, fromSnapshot.Fold.ToString());
        Assert.Contains("call_t1_0=done, call_t1_1=done, call_t1_2=done", expected, StringComparison.Ordinal);
    });

    [Fact]
    public Task Events_LastEventIdOutsideTheReplayLog_SnapshotThenLive() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("Done."));
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create, o => o.ReplayCapacity = 3);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("Go", ct);
        await using (SseClient watcher = await SseClient.ConnectAsync(alice, id, ct))
        {
            await watcher.WaitForQuietAsync(ct, ("call_t1_0", "running"));
        }

        long last = (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetProperty("id").GetInt64();

        // The log holds the last 3 events: resuming after last - 3 replays them; one further back is a snapshot.
        await using SseClient inLog = await SseClient.ConnectAsync(alice, id, ct, lastEventId: last - 3);
        Assert.Equal(last - 2, (await inLog.NextAsync(ct)).Id);
        using HttpResponseMessage byQuery = await alice.GetAsync($"chat/conversations/{id}/events?lastEventId={last - 1}", HttpCompletionOption.ResponseHeadersRead, ct);
        await using (SseClient queried = SseClient.Over(byQuery))
        {
            Assert.Equal(last, (await queried.NextAsync(ct)).Id);
        }

        await using SseClient pastLog = await SseClient.ConnectAsync(alice, id, ct, lastEventId: last - 4);
        await using SseClient ahead = await SseClient.ConnectAsync(alice, id, ct, lastEventId: last + 10);
        foreach (SseClient client in new[] { pastLog, ahead })
        {
            SseMessage snapshot = await client.NextAsync(ct);
            Assert.Equal(("snapshot", last), (snapshot.Type, snapshot.Id));
        }

        using var query = new HttpRequestMessage(HttpMethod.Get, $"chat/conversations/{id}/events?lastEventId=not-a-number");
        using HttpResponseMessage invalid = await alice.SendAsync(query, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, invalid.StatusCode);

        scenario.Gate("slow").Open("result");
        foreach (SseClient client in new[] { inLog, pastLog, ahead })
        {
            await client.ReadUntilAsync("runCompleted", ct);
            await AssertConsecutiveAsync(client.Received);
        }

        Assert.Equal(pastLog.Fold.ToString(), WireFold.OfSnapshot(await alice.GetJsonAsync($"chat/conversations/{id}", ct)).ToString());
    });

    [Fact]
    public Task CancelCall_RunningCall_ItIsCancelledTheOthersFinishAndAFinishedCallIsCallEnded() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(ThreeCalls(), ChatScenario.Text("Two of three."));
        await using ChatSession session = await ChatSession.StartAsync(scenario, ct);
        (HttpClient alice, string id, SseClient sse) = (session.Alice, session.Id, session.Events);
        await scenario.Gate("other").Started;

        using HttpResponseMessage cancelled = await PostAsync(alice, $"chat/conversations/{id}/calls/call_t1_0/cancel", ct);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("""{"result":"applied"}""", await cancelled.Content.ReadAsStringAsync(ct));
        using HttpResponseMessage again = await PostAsync(alice, $"chat/conversations/{id}/calls/call_t1_0/cancel", ct);
        await again.AssertProblemAsync(409, "call_ended");
        using HttpResponseMessage unknown = await PostAsync(alice, $"chat/conversations/{id}/calls/call_t9_9/cancel", ct);
        await unknown.AssertProblemAsync(404, "call_not_found");

        scenario.Gate("fast").Open("fast result");
        scenario.Gate("other").Open("other result");
        await sse.WaitForIdleAsync(ct);
        Assert.Equal(
            [("call_t1_0", "cancelled"), ("call_t1_1", "done"), ("call_t1_2", "done")],
            sse.Fold.Calls.Select(c => (c.Key, c.Value)));
        Assert.Equal("Two of three.", sse.Received[^1].Data.GetProperty("finalText").GetString());

        using HttpResponseMessage finished = await PostAsync(alice, $"chat/conversations/{id}/calls/call_t1_1/cancel", ct);
        await finished.AssertProblemAsync(409, "call_ended");
        using HttpResponseMessage branch = await PostAsync(alice, $"chat/conversations/{id}/calls/call_t1_1/cancel-branch", ct);
        await branch.AssertProblemAsync(409, "call_ended");
    });

    [Fact]
    public Task CancelBranch_CallWithAFutureDependent_BothCancelledTheOtherFinishes() => TestGuard.RunAsync(async ct =>
    {
        ScriptedResponse first = new ScriptedResponse()
            .Text("Fetching, then summarizing what comes back.")
            .Call("slow", """{"q": "report"}""")
            .Call("fast", """{"q": {"$future": "call_t1_0"}}""")
            .Call("other", """{"q": "other"}""")
            .Text(" Done asking.");
        ChatScenario scenario = ChatScenario.ByTurn(first, ChatScenario.Text("Only the other one."), ChatScenario.Text("Still only the other one."));
        scenario.Mode = ToolPipelineMode.Futures;
        await using ChatSession session = await ChatSession.StartAsync(scenario, ct);
        (HttpClient alice, string id, SseClient sse) = (session.Alice, session.Id, session.Events);
        await scenario.Gate("other").Started;
        await sse.WaitForCallAsync("call_t1_1", "waiting", ct);

        JsonElement waiting = (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetProperty("calls")[1];
        Assert.Equal(("dependencies", "call_t1_0"), (waiting.GetProperty("waitReason").GetString(), waiting.GetProperty("dependsOn")[0].GetString()));

        using HttpResponseMessage response = await PostAsync(alice, $"chat/conversations/{id}/calls/call_t1_0/cancel-branch", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"result":"applied","cancelled":2}""", await response.Content.ReadAsStringAsync(ct));

        scenario.Gate("other").Open("other result");
        await sse.WaitForIdleAsync(ct);
        Assert.Equal(
            [("call_t1_0", "cancelled"), ("call_t1_1", "cancelled"), ("call_t1_2", "done")],
            sse.Fold.Calls.Select(c => (c.Key, c.Value)));
        Assert.DoesNotContain(sse.Received, m => m.Type == "toolCallStarted" && m.CallId == "call_t1_1");
    });

    [Fact]
    public Task CancelTurn_RunningTurn_RunEndsAsTurnCancelledThenNoTurnRunning() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall(), ChatScenario.Text("Never asked."));
        await using ChatSession session = await ChatSession.StartAsync(scenario, ct);
        (HttpClient alice, string id, SseClient sse) = (session.Alice, session.Id, session.Events);
        await scenario.Gate("slow").Started;

        using HttpResponseMessage cancelled = await PostAsync(alice, $"chat/conversations/{id}/cancel", ct);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("""{"result":"applied"}""", await cancelled.Content.ReadAsStringAsync(ct));

        SseMessage completed = await sse.ReadUntilAsync("runCompleted", ct);
        Assert.Equal("turnCancelled", completed.Data.GetProperty("reason").GetString());
        Assert.Equal("cancelled", sse.Fold.Calls["call_t1_0"]);
        using HttpResponseMessage again = await PostAsync(alice, $"chat/conversations/{id}/cancel", ct);
        await again.AssertProblemAsync(409, "no_turn_running");
        Assert.Single(scenario.Model.Streams);
    });

    [Fact]
    public Task ApproveAndDeny_CallsAwaitingApproval_ApprovedRunsDeniedIsDeniedSecondDecisionsAreRefused() => TestGuard.RunAsync(async ct =>
    {
        ScriptedResponse first = new ScriptedResponse().Text("Paying and asking.").Call("charge", """{"q": "10 EUR"}""").Call("other", """{"q": "send"}""").Call("slow", """{"q": "a"}""");
        ChatScenario scenario = ChatScenario.ByTurn(first, ChatScenario.Text("Charged, not sent."));
        scenario.NeedApproval.UnionWith(["charge", "other"]);
        await using ChatSession session = await ChatSession.StartAsync(scenario, ct);
        (HttpClient alice, string id, SseClient sse) = (session.Alice, session.Id, session.Events);
        await sse.WaitForCallAsync("call_t1_0", "awaitingApproval", ct);
        await sse.WaitForCallAsync("call_t1_1", "awaitingApproval", ct);
        await scenario.Gate("slow").Started;
        string Path(string call, string action) => $"chat/conversations/{id}/calls/{call}/{action}";

        using HttpResponseMessage notWaiting = await PostAsync(alice, Path("call_t1_2", "approve"), ct);
        await notWaiting.AssertProblemAsync(409, "not_awaiting_approval");
        using HttpResponseMessage approved = await PostAsync(alice, Path("call_t1_0", "approve"), ct);
        Assert.Equal("""{"result":"applied"}""", await approved.Content.ReadAsStringAsync(ct));
        using HttpResponseMessage approvedTwice = await PostAsync(alice, Path("call_t1_0", "approve"), ct);
        await approvedTwice.AssertProblemAsync(409, "already_approved");
        using HttpResponseMessage denyApproved = await alice.PostJsonAsync(Path("call_t1_0", "deny"), """{"reason": "changed my mind"}""", ct);
        await denyApproved.AssertProblemAsync(409, "already_approved");

        using HttpResponseMessage denied = await alice.PostJsonAsync(Path("call_t1_1", "deny"), """{"reason": "not now"}""", ct);
        Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
        using HttpResponseMessage deniedTwice = await PostAsync(alice, Path("call_t1_1", "deny"), ct);
        await deniedTwice.AssertProblemAsync(409, "already_denied");
        using HttpResponseMessage approveDenied = await PostAsync(alice, Path("call_t1_1", "approve"), ct);
        await approveDenied.AssertProblemAsync(409, "already_denied");
        using HttpResponseMessage unknown = await PostAsync(alice, Path("call_t7_7", "approve"), ct);
        await unknown.AssertProblemAsync(404, "call_not_found");

        await sse.WaitForCallAsync("call_t1_1", "denied", ct);
        Assert.Contains("not now", sse.Received.Last(m => m.Type == "toolCallFailed").Data.GetProperty("error").GetString(), StringComparison.Ordinal);
        await scenario.Gate("charge").Started;
        scenario.Gate("charge").Open("charged");
        scenario.Gate("slow").Open("slow");
        await sse.WaitForIdleAsync(ct);
        Assert.Equal([("call_t1_0", "done"), ("call_t1_1", "denied"), ("call_t1_2", "done")], sse.Fold.Calls.Select(c => (c.Key, c.Value)));

        // After the run, the decisions still answer for themselves.
        using HttpResponseMessage late = await PostAsync(alice, Path("call_t1_0", "approve"), ct);
        await late.AssertProblemAsync(409, "already_approved");
        using HttpResponseMessage lateDeny = await PostAsync(alice, Path("call_t1_1", "deny"), ct);
        await lateDeny.AssertProblemAsync(409, "already_denied");
    });

    [Fact]
    public Task PostMessage_AfterARun_ContinuesTheConversationWithItsHistoryAndTurnRunningWhileItRuns() => TestGuard.RunAsync(async ct =>
    {
        var seen = new List<IReadOnlyList<ChatMessage>>();
        var scenario = new ChatScenario(messages =>
        {
            lock (seen)
            {
                seen.Add([.. messages]);
            }

            return ScriptedChatClient.TurnOf(messages) switch
            {
                1 => ChatScenario.Text("Hello Alice."),
                2 => OneCall(),
                _ => ChatScenario.Text("You asked twice."),
            };
        });
        await using ChatTestHost host = await ChatTestHost.StartAsync(scenario.Create);
        HttpClient alice = host.Client();
        string id = await alice.CreateAsync("Hi, I am Alice.", ct, new Dictionary<string, string> { ["mode"] = "await" });
        await using SseClient sse = await SseClient.ConnectAsync(alice, id, ct);
        await sse.WaitForIdleAsync(ct);

        using HttpResponseMessage accepted = await alice.PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "And again?"}""", ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("""{"turnStarted":true}""", await accepted.Content.ReadAsStringAsync(ct));
        await scenario.Gate("slow").Started;
        using HttpResponseMessage busy = await alice.PostJsonAsync($"chat/conversations/{id}/messages", """{"message": "Hello?"}""", ct);
        await busy.AssertProblemAsync(409, "turn_running");

        scenario.Gate("slow").Open("looked up");
        SseMessage user = await sse.ReadUntilAsync("userMessage", ct);
        Assert.Equal(("And again?", 2), (user.Data.GetProperty("text").GetString(), user.Data.GetProperty("turn").GetInt32()));
        await sse.WaitForIdleAsync(ct);
        await AssertConsecutiveAsync(sse.Received);

        // The model saw the first exchange when the second message came.
        IReadOnlyList<ChatMessage> second;
        lock (seen)
        {
            second = seen[1];
        }

        Assert.Equal(
            [(ChatRole.User, "Hi, I am Alice."), (ChatRole.Assistant, "Hello Alice."), (ChatRole.User, "And again?")],
            second.Select(m => (m.Role, m.Text)));
        Assert.Equal([(id, 1), (id, 2)], scenario.Contexts.Select(c => (c.ConversationId, c.Turn)));
        Assert.All(scenario.Contexts, c => Assert.Equal("await", c.Settings["mode"]));
        Assert.Equal(
            "user@1: Hi, I am Alice. | assistant@1: Hello Alice. | user@2: And again? | assistant@2: Looking it up. One moment. | assistant@3: You asked twice.",
            string.Join(" | ", (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetProperty("messages").EnumerateArray().Select(m => $"{m.GetProperty("role")}@{m.GetProperty("turn")}: {m.GetProperty("text")}")));
    });

    [Fact]
    public Task ToolProgress_ReportedByARunningTool_ReachesTheStreamAsToolCallProgressed() => TestGuard.RunAsync(async ct =>
    {
        ChatScenario scenario = ChatScenario.ByTurn(OneCall("report"), ChatScenario.Text("Reported."));
        await using ChatSession session = await ChatSession.StartAsync(scenario, ct);
        (HttpClient alice, string id, SseClient sse) = (session.Alice, session.Id, session.Events);
        await sse.NextAsync(ct);

        // The tool reports only once the test lets it, so the report comes live, after the snapshot.
        scenario.Gate("report-start").Open(string.Empty);
        SseMessage progress = await sse.ReadUntilAsync("toolCallProgressed", ct);
        Assert.Equal(("call_t1_0", 1.0, 2.0, "half way"), (progress.CallId, progress.Data.GetProperty("progress").GetDouble(), progress.Data.GetProperty("total").GetDouble(), progress.Data.GetProperty("message").GetString()));
        JsonElement call = (await alice.GetJsonAsync($"chat/conversations/{id}", ct)).GetProperty("calls")[0];
        Assert.Equal((1.0, 2.0, "half way"), (call.GetProperty("progress").GetDouble(), call.GetProperty("total").GetDouble(), call.GetProperty("progressMessage").GetString()));

        scenario.Gate("report").Open("report done");
        await sse.WaitForIdleAsync(ct);
        Assert.Equal("done", sse.Fold.Calls["call_t1_0"]);
    });
}
