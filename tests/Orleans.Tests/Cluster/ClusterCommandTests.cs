using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ToolFlow.Samples.ChatUi;
using Xunit.Abstractions;

namespace ToolFlow.Orleans.Tests.Cluster;

/// <summary>The README's command, <c>dotnet run --project samples/ChatUi -- --cluster 3</c>, run as a person runs it.</summary>
[Collection(ProcessClusterCollection.Name)]
public sealed partial class ClusterCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Cluster_ThreeNodes_ChatOnEachThenCtrlCLeavesNoProcess()
    {
        using var launcher = new Launcher(["--cluster", "3", "--port", "0"], environment: null);
        try
        {
            using var bound = new CancellationTokenSource(Bound);
            string up = await launcher.WaitForLineAsync(l => l.StartsWith("Cluster '", StringComparison.Ordinal), bound.Token);
            var nodes = new List<Uri>();
            while (nodes.Count < 3)
            {
                string line = await launcher.WaitForLineAsync(l => l.StartsWith("  node ", StringComparison.Ordinal) && !nodes.Any(n => l.Contains(n.ToString(), StringComparison.Ordinal)), bound.Token);
                nodes.Add(new Uri(NodeUrl().Match(line).Value));
            }

            // Two nodes serve the page and, for the browser it signs in, the chat app's configuration.
            foreach (Uri node in nodes.Take(2))
            {
                using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = node };
                Assert.Contains("<html", await http.GetStringAsync(new Uri("/", UriKind.Relative), bound.Token), StringComparison.OrdinalIgnoreCase);
                Assert.Contains("\"scenarios\"", await http.GetStringAsync(new Uri("/api/config", UriKind.Relative), bound.Token), StringComparison.Ordinal);
            }

            launcher.Interrupt();
            Assert.Equal(0, await launcher.WaitForExitAsync(bound.Token));
            string clusterId = ClusterIdOf().Match(up).Groups[1].Value;
            string redisPort = RedisPortOf().Match(up).Groups[1].Value;
            string folder = RedisFolderOf().Match(up).Groups[1].Value;
            Assert.Empty(ProcessesMentioning($"--cluster-id {clusterId}"));
            Assert.Empty(ProcessesMentioning($"127.0.0.1:{redisPort}"));
            Assert.False(Directory.Exists(folder), $"{folder} is left");
            Assert.Contains(launcher.Lines, l => l.StartsWith("Stopped:", StringComparison.Ordinal));
        }
        finally
        {
            output.WriteLine(string.Join(Environment.NewLine, launcher.Lines));
        }
    }

    [Fact]
    public async Task Cluster_PortTaken_SaysSoAndStartsNothing()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var launcher = new Launcher(["--cluster", "2", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], environment: null);
        using var bound = new CancellationTokenSource(Bound);

        Assert.Equal(2, await launcher.WaitForExitAsync(bound.Token));
        Assert.Contains(launcher.Lines, l => l.Contains($"The port {port} on 127.0.0.1 is taken", StringComparison.Ordinal));
        Assert.DoesNotContain(launcher.Lines, l => l.StartsWith("Cluster '", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cluster_RedisServerMissing_SaysHowToInstallIt()
    {
        string empty = Directory.CreateTempSubdirectory("toolflow-nopath-").FullName;
        try
        {
            using var launcher = new Launcher(["--cluster", "1", "--port", "0"], new Dictionary<string, string> { ["PATH"] = empty });
            using var bound = new CancellationTokenSource(Bound);

            Assert.Equal(2, await launcher.WaitForExitAsync(bound.Token));
            Assert.Contains(launcher.Lines, l => l.Contains("redis-server is not installed", StringComparison.Ordinal) && l.Contains("apt-get install redis-server", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    // Processes whose command line mentions the text (the launcher's nodes name their cluster id; redis-server its port).
    private static List<string> ProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (string folder in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                string command = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
                if (command.Contains(text, StringComparison.Ordinal))
                {
                    found.Add($"{Path.GetFileName(folder)}: {command}");
                }
            }
            catch (IOException)
            {
                // It ended while being read.
            }
        }

        return found;
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/")]
    private static partial Regex NodeUrl();

    [GeneratedRegex(@"^Cluster '([^']+)'")]
    private static partial Regex ClusterIdOf();

    [GeneratedRegex(@"redis-server on 127\.0\.0\.1:(\d+)")]
    private static partial Regex RedisPortOf();

    [GeneratedRegex(@"\(files in ([^)]+)\)")]
    private static partial Regex RedisFolderOf();

    /// <summary>The chat app's own build run with <c>dotnet exec</c>, its output collected line by line.</summary>
    private sealed class Launcher : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly SemaphoreSlim _changed = new(0);

        public Launcher(string[] args, IReadOnlyDictionary<string, string>? environment)
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string repository = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            string app = Path.Combine(repository, "samples", "ChatUi", "bin", output.Parent.Name, output.Name, "ToolFlow.Samples.ChatUi.dll");
            var start = new ProcessStartInfo(Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in (string[])["exec", app, .. args])
            {
                start.ArgumentList.Add(argument);
            }

            foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }

            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => Add(e.Data);
            _process.ErrorDataReceived += (_, e) => Add(e.Data);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (Lines.FirstOrDefault(match) is { } line)
                {
                    return line;
                }

                Assert.False(_process.HasExited && Lines.FirstOrDefault(match) is null, $"the launcher exited: {string.Join(Environment.NewLine, Lines)}");
                await _changed.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }

        /// <summary>Ctrl+C: SIGINT to the launcher.</summary>
        public void Interrupt()
        {
            using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }

        public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
        {
            await _process.WaitForExitAsync(cancellationToken);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                // Ends its nodes too: they stop when the launcher's end of their standard input closes.
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
            _changed.Dispose();
        }

        private void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(line);
            }

            _changed.Release();
        }
    }
}
