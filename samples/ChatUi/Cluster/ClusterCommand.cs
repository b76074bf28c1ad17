using System.Runtime.InteropServices;

namespace ToolFlow.Samples.ChatUi;

/// <summary><c>--cluster N</c>: starts a local cluster, prints each node's chat address and stops it all on Ctrl+C.</summary>
internal static class ClusterCommand
{
    public static async Task<int> RunAsync(ChatUiArguments arguments, int nodes, string[] args)
    {
        var options = new LocalClusterOptions { FirstHttpPort = arguments.Port ?? 5080 };
        for (int n = 0; n < nodes; n++)
        {
            options.Nodes.Add(ChatUiNodeRoles.Front | ChatUiNodeRoles.Worker);
        }

        // The model options (--endpoint ...) go to every node; --cluster and --port are the launcher's.
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--cluster" or "--port")
            {
                i++;
                continue;
            }

            options.NodeArguments.Add(args[i]);
        }

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        try
        {
            Console.WriteLine($"Starting redis-server and {nodes} node{(nodes == 1 ? string.Empty : "s")} on 127.0.0.1...");
            LocalCluster cluster;
            try
            {
                cluster = await LocalCluster.StartAsync(options, stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                Console.WriteLine("Stopped before the cluster formed; everything started was stopped.");
                return 130;
            }
            catch (InvalidOperationException e)
            {
                await Console.Error.WriteLineAsync($"chatui: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await using (cluster.ConfigureAwait(false))
            {
                Console.WriteLine($"Cluster '{cluster.ClusterId}' is up: {nodes} active members, redis-server on {cluster.Redis.Endpoint} (files in {cluster.Redis.Folder}).");
                foreach (LocalClusterNode node in cluster.Nodes)
                {
                    Console.WriteLine($"  node {node.Index}: chat on {node.ChatUri} (silo 127.0.0.1:{node.SiloPort})");
                }

                Console.WriteLine("Open any of them; a conversation continues through any node. Ctrl+C stops the cluster.");
                LocalClusterNode? died = await WaitForStopOrDeathAsync(cluster, stop.Token).ConfigureAwait(false);
                if (died is not null)
                {
                    await Console.Error.WriteLineAsync($"chatui: {died} exited; stopping the cluster. Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, died.Output().TakeLast(20))}").ConfigureAwait(false);
                    return 1;
                }

                Console.WriteLine("Stopping the cluster...");
            }

            Console.WriteLine("Stopped: every node and redis-server have exited, their folders are removed.");
            return 0;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    // Returns the first node that exited on its own, or null when the launcher was asked to stop.
    private static async Task<LocalClusterNode?> WaitForStopOrDeathAsync(LocalCluster cluster, CancellationToken stop)
    {
        Task<LocalClusterNode>[] exits = [.. cluster.Nodes.Select(async n =>
        {
            await n.Exited.ConfigureAwait(false);
            return n;
        })];
        Task stopped = Task.Delay(Timeout.InfiniteTimeSpan, stop);
        Task first = await Task.WhenAny([stopped, .. exits]).ConfigureAwait(false);
        return first == stopped ? null : await ((Task<LocalClusterNode>)first).ConfigureAwait(false);
    }
}
