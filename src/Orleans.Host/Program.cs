using System.Net;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;
using ToolFlow.Orleans;

// A silo process for a local cluster: toolflow-silo --redis 127.0.0.1:6379 --silo-port 11111 --gateway-port 30000
// [--cluster-id toolflow]. Loopback only.
Dictionary<string, string> options = ParseArguments(args);
string redis = options.GetValueOrDefault("redis") ?? throw new ArgumentException("--redis HOST:PORT is required.");
int siloPort = int.Parse(options.GetValueOrDefault("silo-port") ?? "11111", System.Globalization.CultureInfo.InvariantCulture);
int gatewayPort = int.Parse(options.GetValueOrDefault("gateway-port") ?? "30000", System.Globalization.CultureInfo.InvariantCulture);
string clusterId = options.GetValueOrDefault("cluster-id") ?? "toolflow";

HostApplicationBuilder builder = Host.CreateApplicationBuilder();
builder.UseOrleans(silo =>
{
    silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, "toolflow"));
    silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
    silo.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
    silo.AddRedisGrainStorageAsDefault(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));

    // A dead silo is declared in about a second: probes every 250 ms, two missed probes, one vote among few silos.
    silo.Configure<ClusterMembershipOptions>(o =>
    {
        o.ProbeTimeout = TimeSpan.FromMilliseconds(250);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);
    });
    silo.AddToolFlowWorker(
    [
        AIFunctionFactory.Create((string q) => $"echo {q}", "echo"),
        AIFunctionFactory.Create(static async (int ms, CancellationToken cancellationToken) =>
        {
            await Task.Delay(ms, cancellationToken).ConfigureAwait(false);
            return $"slept {ms}";
        }, "sleep"),
    ]);
});

using IHost host = builder.Build();
await host.RunAsync().ConfigureAwait(false);

static Dictionary<string, string> ParseArguments(string[] args)
{
    var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 0; i + 1 < args.Length; i += 2)
    {
        parsed[args[i].TrimStart('-')] = args[i + 1];
    }

    return parsed;
}
