using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests;

/// <summary>A real cluster: redis-server and three silo processes on 127.0.0.1, one killed with SIGKILL mid-call.</summary>
public sealed class ProcessClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillSilo_CallsInFlightThere_FailWithinTheMembershipTimeAndOthersComplete()
    {
        await using RedisServer redis = await RedisServer.StartAsync(CancellationToken.None);
        string redisEndpoint = redis.Endpoint;
        string clusterId = $"t{RedisServer.FreePort()}";
        string hostDll = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "Orleans.Host", "bin", "Debug", "net10.0", "ToolFlow.Orleans.Host.dll");
        var silos = new List<Process>();
        try
        {
            for (int n = 0; n < 3; n++)
            {
                silos.Add(Start("dotnet", $"exec {hostDll} --redis {redisEndpoint} --silo-port {RedisServer.FreePort()} --gateway-port {RedisServer.FreePort()} --cluster-id {clusterId}"));
            }

            HostApplicationBuilder clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.UseOrleansClient(c =>
            {
                c.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, "toolflow"));
                c.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redisEndpoint));
            });
            using IHost client = clientBuilder.Build();
            await client.StartAsync();
            IClusterClient orleans = client.Services.GetRequiredService<IClusterClient>();

            // Wait (bounded) until the three silos are active, then until calls land on all three.
            IManagementGrain management = orleans.GetGrain<IManagementGrain>(0);
            for (int n = 0; n < 300 && (await management.GetHosts(onlyActive: true)).Count < 3; n++)
            {
                await Task.Delay(100);
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int n = 0; seen.Count < 3 && n < 300; n++)
            {
                RemoteToolResult r = await orleans.GetGrain<IToolCallGrain>(ToolCallKey.Format("echo", "warm", $"{n}", 1, 0)).InvokeAsync(new RemoteToolRequest("echo", """{"q": "x"}"""), CancellationToken.None);
                seen.Add(r.Silo);
            }

            output.WriteLine($"silos: {string.Join(", ", seen)}");
            var clock = Stopwatch.StartNew();
            // Each call carries its own deadline of 5 s, as a tool call's timeout would.
            Task<RemoteToolResult>[] calls = [.. Enumerable.Range(0, 30).Select(n =>
                orleans.GetGrain<IToolCallGrain>(ToolCallKey.Format("sleep", "conv", $"{n}", 1, 0)).InvokeAsync(new RemoteToolRequest("sleep", """{"ms": 3000}"""), new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token))];
            await Task.Delay(500);
            silos[0].Kill();
            output.WriteLine($"killed silo 0 at {clock.ElapsedMilliseconds} ms");
            foreach (Task<RemoteToolResult> call in calls)
            {
                try
                {
                    RemoteToolResult r = await call;
                    output.WriteLine($"{clock.ElapsedMilliseconds} ms ok {r.Silo}");
                }
                catch (Exception e)
                {
                    output.WriteLine($"{clock.ElapsedMilliseconds} ms {e.GetType().Name}: {e.Message.Split('\n')[0]}");
                }
            }

            await client.StopAsync();
        }
        finally
        {
            foreach (Process silo in silos)
            {
                if (!silo.HasExited)
                {
                    silo.Kill();
                }

                silo.Dispose();
            }
        }
    }

    private static Process Start(string file, string arguments) =>
        Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
}
