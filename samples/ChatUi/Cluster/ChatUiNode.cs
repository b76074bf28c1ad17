using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.AI;
using Orleans.Configuration;
using StackExchange.Redis;
using ToolFlow.Orleans;

namespace ToolFlow.Samples.ChatUi;

/// <summary>The silo inside a node: Redis clustering and grain storage, fast failure detection, its roles.</summary>
internal static class ChatUiNode
{
    public static void ConfigureSilo(ISiloBuilder silo, ChatUiNodeArguments node, IReadOnlyList<AIFunction> workerTools)
    {
        ConfigurationOptions redis = ParseRedis(node.Redis);
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (node.ClusterId, ChatUiNodeArguments.ServiceId));
        silo.ConfigureEndpoints(IPAddress.Loopback, node.SiloPort, node.GatewayPort, listenOnAnyHostAddress: false);
        silo.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
        silo.AddRedisGrainStorageAsDefault(o => o.ConfigurationOptions = redis.Clone());
        silo.UseToolFlowFailureDetection();

        // With Orleans' default directory, a node's death deactivates the grains whose directory entries it held,
        // wherever they run: conversations mid-turn on healthy front nodes. This directory rebuilds the dead node's
        // share from the live activations instead.
#pragma warning disable ORLEANSEXP003 // Orleans marks it for evaluation.
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        // Every node sends calls (so places them); only a worker runs them.
        silo.AddToolFlowWorker(node.Roles.HasFlag(ChatUiNodeRoles.Worker) ? workerTools : []);
    }

    // Cookies are protected with keys every node reads from Redis, so a browser signed in on one node is known on all.
    public static async Task ShareCookieKeysAsync(IServiceCollection services, ChatUiNodeArguments node, CancellationToken cancellationToken)
    {
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(ParseRedis(node.Redis)).WaitAsync(cancellationToken).ConfigureAwait(false);
        services.AddSingleton<IConnectionMultiplexer>(_ => redis);
        services.AddDataProtection()
            .SetApplicationName("toolflow-chat")
            .PersistKeysToStackExchangeRedis(redis, $"toolflow-chat-keys:{node.ClusterId}");
    }

    // Orleans and its placement retries (Polly) log every step at Information; a node's output keeps warnings and up.
    public static void QuietLogs(ILoggingBuilder logging)
    {
        logging.AddFilter("Orleans", LogLevel.Warning);
        logging.AddFilter("Polly", LogLevel.Warning);
    }

    public static ConfigurationOptions ParseRedis(string endpoint)
    {
        try
        {
            ConfigurationOptions options = ConfigurationOptions.Parse(endpoint);
            return options.EndPoints.Count > 0 ? options : throw new ArgumentException("no endpoint");
        }
        catch (ArgumentException e)
        {
            throw new ChatUiArgumentException($"--redis must be HOST:PORT, such as 127.0.0.1:6379 (got '{endpoint}').", e);
        }
    }

    // The launcher holds each node's standard input; when the launcher goes, even killed, the pipe closes and so does the node.
    public static void StopWhenInputCloses(IHostApplicationLifetime lifetime) =>
        _ = Task.Run(async () =>
        {
            using var input = Console.OpenStandardInput();
            byte[] buffer = new byte[256];
            while (await input.ReadAsync(buffer).ConfigureAwait(false) > 0)
            {
            }

            lifetime.StopApplication();
        });
}
