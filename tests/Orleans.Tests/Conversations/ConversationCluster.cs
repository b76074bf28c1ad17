using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using StackExchange.Redis;
using ToolFlow.AspNetCore;
using ToolFlow.AspNetCore.Tests;
using ToolFlow.Pipeline;

namespace ToolFlow.Orleans.Tests;

/// <summary>
/// Three silos in process with conversation grains kept in Redis grain storage (a redis-server the fixture starts on
/// loopback), and a Kestrel web host per silo serving the chat routes through that silo's grain factory. A test
/// registers its scenario and creates conversations with the setting <c>scenario</c> naming it.
/// </summary>
public sealed class ConversationCluster : IAsyncLifetime
{
    private static readonly ConcurrentDictionary<string, ChatScenario> s_scenarios = new(StringComparer.Ordinal);

    private readonly List<ChatTestHost> _hosts = [];
    private RedisServer? _redis;
    private InProcessTestCluster? _cluster;

    public InProcessTestCluster Cluster => _cluster!;

    /// <summary>The web host of silo <c>n</c>.</summary>
    internal IReadOnlyList<ChatTestHost> Nodes => _hosts;

    /// <summary>The endpoints' limits in these tests (the defaults but for these two).</summary>
    public static void Limits(ToolPipelineChatOptions options)
    {
        options.MaxConversationsPerOwner = 2;
        options.MaxStreamsPerConversation = 2;
    }

    /// <summary>Registers a scenario; conversations created with <see cref="SettingsOf"/> run it.</summary>
    internal static string Register(ChatScenario scenario)
    {
        string key = Guid.NewGuid().ToString("N");
        s_scenarios[key] = scenario;
        return key;
    }

    public static Dictionary<string, string> SettingsOf(string scenario) => new(StringComparer.Ordinal) { ["scenario"] = scenario };

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync(CancellationToken.None);
        string redis = _redis.Endpoint;
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddRedisGrainStorage("Default", o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
            silo.AddToolFlowConversations(PipelineFor);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        foreach (InProcessSiloHandle silo in _cluster.Silos)
        {
            IGrainFactory grains = silo.ServiceProvider.GetRequiredService<IGrainFactory>();
            _hosts.Add(await ChatTestHost.StartAsync(
                _ => throw new InvalidOperationException("On Orleans the silos' factory makes the pipelines."),
                Limits,
                services =>
                {
                    services.AddToolPipelineChatOnOrleans(Limits);
                    services.AddSingleton(grains);
                }));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (ChatTestHost host in _hosts)
        {
            await host.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    /// <summary>The conversation's ledger as its grain stored it, read from the storage of a running silo.</summary>
    internal async Task<IToolCallLedger> LedgerOfAsync(string conversationId)
    {
        InProcessSiloHandle silo = _cluster!.Silos.First(s => s.IsActive);
        var ledger = new GrainStorageToolCallLedger(new GrainStateStore<LedgerRecord>(
            silo.ServiceProvider.GetRequiredKeyedService<IGrainStorage>("Default"),
            "toolflow.ledger",
            _cluster.Client.GetGrain<IConversationGrain>(conversationId).GetGrainId()));
        await ledger.LoadAsync(CancellationToken.None);
        return ledger;
    }

    private static ToolPipeline PipelineFor(ToolPipelineChatContext context) =>
        s_scenarios.TryGetValue(context.Settings.GetValueOrDefault("scenario") ?? string.Empty, out ChatScenario? scenario)
            ? scenario.Create(context)
            : throw new ArgumentException("The setting 'scenario' names no registered scenario.");
}
