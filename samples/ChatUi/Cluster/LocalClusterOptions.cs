namespace ToolFlow.Samples.ChatUi;

/// <summary>What <see cref="LocalCluster.StartAsync"/> starts.</summary>
public sealed class LocalClusterOptions
{
    /// <summary>The nodes, one process each, by their roles. Default: three nodes that are front and worker both.</summary>
    public IList<ChatUiNodeRoles> Nodes { get; } = [];

    /// <summary>
    /// The node program: the path of a .NET assembly run with <c>dotnet exec</c> that takes the chat app's command line
    /// (<see cref="ChatUiApp.RunAsync(string[], Action{ChatUiOptions})"/>). Default: this chat app.
    /// </summary>
    public string? NodeAssembly { get; set; }

    /// <summary>Arguments every node gets besides its <c>--node</c> ones (for example <c>--endpoint URL --model NAME</c>).</summary>
    public IList<string> NodeArguments { get; } = [];

    /// <summary>The first front node's HTTP port, the next front node's one more, and so on; 0 (the default) picks free ports.</summary>
    public int FirstHttpPort
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 65535);
            field = value;
        }
    }

    /// <summary>How long starting may take, from launching redis-server to every node an active member. Default 90 s.</summary>
    public TimeSpan StartTimeout
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromSeconds(90);

    /// <summary>The most lines of output kept per node (the oldest go first). Default 2,000.</summary>
    public int MaxOutputLines
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 2000;

    /// <summary>The clock of the launcher's waits.</summary>
    public TimeProvider TimeProvider
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = TimeProvider.System;
}
