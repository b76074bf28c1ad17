using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests;

/// <summary>Spike: tool calls issued silo to silo while a worker silo (neither the caller's nor the client's gateway) is killed.</summary>
public sealed class SiloToSiloFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillWorkerSilo_CallsFromAGrain_SeeWhatAndWhen()
    {
        await using RedisServer redis = await RedisServer.StartAsync(CancellationToken.None);
        string clusterId = $"t{RedisServer.FreePort()}";
        string hostDll = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Orleans.Host", "bin", "Debug", "net10.0", "ToolFlow.Orleans.Host.dll");
        var silos = new List<(Process Process, int SiloPort, int GatewayPort)>();
        try
        {
            for (int n = 0; n < 3; n++)
            {
                int siloPort = RedisServer.FreePort(), gatewayPort = RedisServer.FreePort();
                var start = new ProcessStartInfo("dotnet", $"exec {hostDll} --redis {redis.Endpoint} --silo-port {siloPort} --gateway-port {gatewayPort} --cluster-id {clusterId}")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                silos.Add((Process.Start(start)!, siloPort, gatewayPort));
            }

            HostApplicationBuilder clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.UseOrleansClient(c =>
            {
                c.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, "toolflow"));
                c.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, silos[0].GatewayPort));
            });
            using IHost client = clientBuilder.Build();
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    await client.StartAsync();
                    break;
                }
                catch (Exception) when (attempt < 50)
                {
                    await Task.Delay(200);
                }
            }

            IClusterClient orleans = client.Services.GetRequiredService<IClusterClient>();
            IManagementGrain management = orleans.GetGrain<IManagementGrain>(0);
            for (int n = 0; n < 300 && (await management.GetHosts(onlyActive: true)).Count < 3; n++)
            {
                await Task.Delay(100);
            }

            IToolRelayGrain relay = orleans.GetGrain<IToolRelayGrain>("relay");
            string relaySilo = (await relay.RunAsync(0, 0, TimeSpan.FromSeconds(5), CancellationToken.None))[0];
            int victim = Enumerable.Range(1, 2).First(i => !relaySilo.Contains($":{silos[i].SiloPort}:", StringComparison.Ordinal));
            output.WriteLine($"relay on {relaySilo}; gateway silo port {silos[0].SiloPort}; killing silo port {silos[victim].SiloPort}");

            var clock = Stopwatch.StartNew();
            Task<string[]> run = relay.RunAsync(30, 3000, TimeSpan.FromSeconds(10), CancellationToken.None);
            await Task.Delay(500);
            silos[victim].Process.Kill();
            output.WriteLine($"killed at {clock.ElapsedMilliseconds} ms");
            foreach (string line in await run)
            {
                output.WriteLine(line);
            }

            await client.StopAsync();
        }
        finally
        {
            foreach ((Process process, _, _) in silos)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }

                process.Dispose();
            }
        }
    }
}
