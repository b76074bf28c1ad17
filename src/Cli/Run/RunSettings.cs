namespace ToolFlow.Cli.Run;

/// <summary>What <c>toolflow run</c> was asked to do.</summary>
internal sealed record RunSettings
{
    /// <summary>The server's base address, such as <c>http://localhost:8000/v1</c>; one with no path gets <c>/v1</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>The model name.</summary>
    public required string Model { get; init; }

    /// <summary>The user's prompt.</summary>
    public required string Prompt { get; init; }

    /// <summary>The API key, or <see langword="null"/> for none.</summary>
    public string? ApiKey { get; init; }

    /// <summary>MCP servers to start, one command line each.</summary>
    public IReadOnlyList<string> Mcp { get; init; } = [];

    /// <summary>A system prompt, or <see langword="null"/>.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>The most model turns.</summary>
    public int MaxTurns { get; init; } = 10;

    /// <summary>The sampling temperature, or <see langword="null"/> for the server's default.</summary>
    public float? Temperature { get; init; }

    /// <summary>The most output tokens per turn, or <see langword="null"/> for the server's default.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>How long to wait for the server to start answering and between pieces of its answer.</summary>
    public TimeSpan Timeout { get; init; } = RunCommand.DefaultTimeout;

    /// <summary>How long to wait for each MCP server's handshake.</summary>
    public TimeSpan McpTimeout { get; init; } = RunCommand.DefaultMcpTimeout;

    /// <summary>What the user says MCP servers' tools do, over what the servers say.</summary>
    public IReadOnlyList<ToolHintOverride> ToolHints { get; init; } = [];

    /// <summary>How many times a request that fails before streaming is retried, or <see langword="null"/> for the SDK's default.</summary>
    public int? MaxRetries { get; init; }

    /// <summary>The folder the file tools may read under; <see langword="null"/>: the file tools are not offered.</summary>
    public string? Root { get; init; }

    /// <summary>Whether the file tools may list and read dot-files and common secret files.</summary>
    public bool AllowHidden { get; init; }

    /// <summary>Where to write the run as a scenario file for <c>toolflow bench</c>, or <see langword="null"/>.</summary>
    public string? RecordPath { get; init; }

    /// <summary>The ledger file the run is recorded in (SQLite), or <see langword="null"/> to record nothing.</summary>
    public string? LedgerPath { get; init; }

    /// <summary>The id to record a new run under, or <see langword="null"/> for a new random one.</summary>
    public string? RunId { get; init; }

    /// <summary>The id of a recorded run to resume instead of starting one, or <see langword="null"/>.</summary>
    public string? ResumeRunId { get; init; }

    /// <summary>Whether the built-in tools are offered.</summary>
    public bool BuiltInTools { get; init; } = true;

    /// <summary>Whether the model's reasoning is shown.</summary>
    public bool ShowReasoning { get; init; } = true;

    /// <summary>Whether to colour the output.</summary>
    public bool Color { get; init; }
}
