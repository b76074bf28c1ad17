using System.Diagnostics;

namespace ToolFlow.Samples.ChatUi;

/// <summary>One node process of a <see cref="LocalCluster"/>: its roles, ports, address and output.</summary>
public sealed class LocalClusterNode
{
    private readonly Queue<string> _output = new();
    private readonly int _maxOutputLines;
    private readonly TaskCompletionSource<Uri?> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal LocalClusterNode(int index, ChatUiNodeRoles roles, int siloPort, int gatewayPort, int maxOutputLines)
    {
        Index = index;
        Roles = roles;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        _maxOutputLines = maxOutputLines;
    }

    /// <summary>The node's position in <see cref="LocalCluster.Nodes"/>.</summary>
    public int Index { get; }

    /// <summary>What it does.</summary>
    public ChatUiNodeRoles Roles { get; }

    /// <summary>Its silo port on 127.0.0.1 (silo addresses name it).</summary>
    public int SiloPort { get; }

    /// <summary>Its gateway port on 127.0.0.1.</summary>
    public int GatewayPort { get; }

    /// <summary>The chat app's address on a front node, once it is ready; <see langword="null"/> on a worker.</summary>
    public Uri? ChatUri { get; private set; }

    /// <summary>The process id.</summary>
    public int ProcessId => Process?.Id ?? 0;

    /// <summary>Whether the process has exited (or was killed).</summary>
    public bool HasExited => Process?.HasExited ?? true;

    internal Process? Process { get; set; }

    internal Task<Uri?> Ready => _ready.Task;

    internal Task Exited => _exited.Task;

    /// <summary>The node's latest output lines, standard output and error interleaved.</summary>
    /// <returns>The lines, oldest first.</returns>
    public IReadOnlyList<string> Output()
    {
        lock (_output)
        {
            return [.. _output];
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"node {Index} ({Roles}, silo 127.0.0.1:{SiloPort}{(ChatUri is null ? string.Empty : $", {ChatUri}")})";

    internal void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > _maxOutputLines)
            {
                _output.Dequeue();
            }
        }

        if (line.StartsWith(ChatUiNodeArguments.ReadyLine, StringComparison.Ordinal))
        {
            int at = line.IndexOf(" chat=", StringComparison.Ordinal);
            string chat = at < 0 ? "-" : line[(at + " chat=".Length)..].Trim();
            ChatUri = chat == "-" ? null : new Uri(chat);
            _ready.TrySetResult(ChatUri);
        }
    }

    internal void OnExited(int code)
    {
        // A crash's first line names it; the stack trace under it can be long.
        IReadOnlyList<string> lines = Output();
        int cause = lines.ToList().FindIndex(l => l.Contains("Unhandled exception", StringComparison.Ordinal));
        string shown = string.Join(Environment.NewLine, cause >= 0 ? lines.Skip(cause).Take(20) : lines.TakeLast(20));
        _exited.TrySetResult();
        _ready.TrySetException(new InvalidOperationException($"{this} exited with code {code} before it was ready. Its output:{Environment.NewLine}{shown}"));
    }
}
