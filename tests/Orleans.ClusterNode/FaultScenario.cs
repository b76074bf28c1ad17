using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using StackExchange.Redis;
using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Providers.Scripted;
using ToolFlow.Samples.ChatUi;

namespace ToolFlow.Orleans.ClusterNode;

/// <summary>
/// The "faults" scenario: the user's message is a tag; turn 1 calls <c>lookup</c> (read-only), <c>send</c>
/// (side-effecting) and <c>charge</c> (side-effecting, honours idempotency keys) in turn, <c>calls</c> times (setting,
/// default 10), each with the key <c>{tag}/{n}</c>; turn 2 answers
/// with one line per result the model was sent. Each tool body adds one to <c>runs:{key}</c> in the cluster's Redis,
/// publishes <c>{key} {silo port}</c> on <c>started</c>, and waits until the key <c>released</c> exists (the test sets it
/// and publishes on <c>release</c>), so the test can kill a node with bodies under way. <c>charge</c> also adds its
/// idempotency key to <c>keys:{key}</c> and applies its effect once per idempotency key (<c>effects:{key}</c>).
/// </summary>
internal static class FaultScenario
{
    public const string Name = "faults";

    private static readonly Lazy<Task<ConnectionMultiplexer>> s_redis = new(() => ConnectionMultiplexer.ConnectAsync(s_endpoint!));
    private static string? s_endpoint;
    private static int s_siloPort;

    public static void Configure(ChatUiOptions options)
    {
        s_endpoint = options.Node?.Redis;
        s_siloPort = options.Node?.SiloPort ?? 0;
        AIFunction lookup = Tool("lookup");
        AIFunction send = Tool("send");
        AIFunction charge = Tool("charge");
        options.WorkerTools.Add(lookup);
        options.WorkerTools.Add(send);
        options.WorkerTools.Add(charge);
        options.DefaultScenario = Name;
        options.Scenarios.Add(new ChatScenario
        {
            Name = Name,
            Title = "Faults: read-only and side-effecting calls that count their runs in Redis",
            CreateBuilder = turn =>
            {
                int calls = int.Parse(turn.Chat.Settings.GetValueOrDefault("calls", "10"), CultureInfo.InvariantCulture);
                TimeSpan timeout = TimeSpan.FromMilliseconds(int.Parse(turn.Chat.Settings.GetValueOrDefault("timeoutMs", "60000"), CultureInfo.InvariantCulture));
                return ToolPipeline.CreateBuilder(new ScriptedChatClient(m => Script(m, calls), new ScriptedModelOptions { TimeProvider = turn.TimeProvider }))
                    .WithTimeProvider(turn.TimeProvider)
                    .WithMaxConcurrency(calls)
                    .AddTool(new ToolDescriptor(turn.Place(lookup), ToolEffects.ReadOnly) { Timeout = timeout })
                    .AddTool(new ToolDescriptor(turn.Place(send), ToolEffects.SideEffecting) { Timeout = timeout })
                    .AddTool(new ToolDescriptor(turn.Place(charge), ToolEffects.SideEffecting) { Timeout = timeout, HonorsIdempotencyKeys = true });
            },
        });
    }

    private static ScriptedResponse Script(IReadOnlyList<ChatMessage> messages, int calls)
    {
        if (ScriptedChatClient.TurnOf(messages) == 1)
        {
            string tag = messages.Last(m => m.Role == ChatRole.User).Text.Trim();
            var response = new ScriptedResponse().Text("Working.");
            for (int n = 0; n < calls; n++)
            {
                response.Call((n % 3) switch { 0 => "lookup", 1 => "send", _ => "charge" }, $$"""{"key": "{{tag}}/{{n}}"}""");
            }

            return response;
        }

        // One line per result in the history: a call merged twice would show twice.
        var text = new StringBuilder("answer:");
        foreach (FunctionResultContent result in messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>())
        {
            text.Append(CultureInfo.InvariantCulture, $" [{result.CallId}]");
        }

        return new ScriptedResponse().Text(text.ToString());
    }

    private static AIFunction Tool(string name) => AIFunctionFactory.Create(
        async (string key, CancellationToken cancellationToken) =>
        {
            ConnectionMultiplexer redis = await s_redis.Value.ConfigureAwait(false);
            IDatabase db = redis.GetDatabase();
            var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ChannelMessageQueue release = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal("release")).ConfigureAwait(false);
            release.OnMessage(_ => released.TrySetResult());
            try
            {
                await db.StringIncrementAsync($"runs:{key}").ConfigureAwait(false);
                if (name == "charge")
                {
                    // The effect: applied once per idempotency key, however often the body runs.
                    string idempotencyKey = ToolIdempotency.CurrentKey ?? throw new InvalidOperationException("charge was called without an idempotency key.");
                    await db.SetAddAsync($"keys:{key}", idempotencyKey).ConfigureAwait(false);
                    if (await db.StringSetAsync($"effect:{idempotencyKey}", 1, when: When.NotExists).ConfigureAwait(false))
                    {
                        await db.StringIncrementAsync($"effects:{key}").ConfigureAwait(false);
                    }
                }

                await db.PublishAsync(RedisChannel.Literal("started"), $"{key} {s_siloPort.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
                if (!await db.KeyExistsAsync("released").ConfigureAwait(false))
                {
                    await released.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                await release.UnsubscribeAsync().ConfigureAwait(false);
            }

            return $"{name} {key} done";
        },
        name,
        $"The fault test's {name}: counts its run in Redis and waits for the test's release.");
}
