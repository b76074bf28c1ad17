using ToolFlow.Blocks;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.Providers.Mcp;
using ToolFlow.Providers.OpenAI;
using ToolFlow.Tools;

namespace ToolFlow.Samples.ChatUi;

/// <summary>
/// A real OpenAI-compatible model with the built-in tools and the tools of the MCP servers named, offered as the
/// scenario "model". Owns the client and the servers; the app disposes it when it stops.
/// </summary>
public sealed class EndpointModel : IAsyncDisposable
{
    private readonly OpenAIChatClient _client;
    private readonly IReadOnlyList<McpToolSource> _servers;
    private readonly IReadOnlyList<ToolDescriptor> _tools;

    private EndpointModel(OpenAIChatClient client, IReadOnlyList<McpToolSource> servers, IReadOnlyList<ToolDescriptor> tools, string model)
    {
        _client = client;
        _servers = servers;
        _tools = tools;
        Scenario = new ChatScenario
        {
            Name = "model",
            Title = $"{model} at {client.Endpoint}: {string.Join(", ", tools.Select(t => t.Name))}",
            CreateBuilder = turn => ToolPipeline.CreateBuilder(_client)
                .WithTimeProvider(turn.TimeProvider)
                .WithStrategy(turn.Mode)
                .WithMaxTurns(10)
                .Configure(o => o.Execution.IncludeDetailedErrors = true)
                .AddTools(_tools),
        };
    }

    /// <summary>The scenario that talks to the model.</summary>
    public ChatScenario Scenario { get; }

    /// <summary>Connects to the model and starts the MCP servers.</summary>
    /// <param name="arguments">The command line, with <see cref="ChatUiArguments.Endpoint"/> set.</param>
    /// <param name="cancellationToken">Cancels starting the servers.</param>
    /// <returns>The model.</returns>
    /// <exception cref="ChatUiArgumentException">An MCP server could not be started.</exception>
    public static async Task<EndpointModel> StartAsync(ChatUiArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        IReadOnlyList<McpToolSource> servers;
        try
        {
            servers = await McpToolSource.StartAllAsync(arguments.Mcp, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new ChatUiArgumentException($"could not start the MCP server{(arguments.Mcp.Count == 1 ? string.Empty : "s")}: {e.Message}", e);
        }

        // As toolflow run: an MCP server wins a name clash with a built-in tool; a later server's clashing tool is left out.
        var names = new HashSet<string>(StringComparer.Ordinal);
        var tools = new List<ToolDescriptor>();
        foreach (ToolDescriptor tool in servers.SelectMany(s => s.Tools).Concat(new BuiltInTools(TimeProvider.System, new BuiltInToolsOptions { Root = arguments.Root, AllowHidden = arguments.AllowHidden }).Create()))
        {
            if (names.Add(tool.Name))
            {
                tools.Add(tool);
            }
        }

        var client = new OpenAIChatClient(new OpenAIChatClientOptions { Endpoint = arguments.Endpoint, Model = arguments.Model!, ApiKey = arguments.ApiKey });
        return new EndpointModel(client, servers, tools, arguments.Model!);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (McpToolSource server in _servers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _client.Dispose();
    }
}
