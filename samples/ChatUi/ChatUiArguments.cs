using System.Globalization;
using ToolFlow.Providers.OpenAI;

namespace ToolFlow.Samples.ChatUi;

/// <summary>
/// The chat app's command line: <c>[--port N] [--endpoint URL --model NAME [--api-key KEY] [--mcp "CMD"]... [--root DIR] [--allow-hidden]]</c>,
/// the model options as <c>toolflow run</c> takes them; plus <c>--cluster N</c> (a local cluster of N nodes) or
/// <c>--node --redis HOST:PORT --silo-port N --gateway-port N [--cluster-id ID] [--roles front,worker]</c> (one node of it).
/// </summary>
public sealed record ChatUiArguments
{
    /// <summary>The port, or <see langword="null"/> for the default.</summary>
    public int? Port { get; init; }

    /// <summary>The OpenAI-compatible server, normalized (<c>/v1</c> added when the address has no path), or <see langword="null"/> for the scripted scenarios only.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The model name; required with <see cref="Endpoint"/>.</summary>
    public string? Model { get; init; }

    /// <summary>The API key, or <see langword="null"/> (then <c>$OPENAI_API_KEY</c> for OpenAI's and Azure OpenAI's own https hosts).</summary>
    public string? ApiKey { get; init; }

    /// <summary>MCP servers to start over stdio, one command line each.</summary>
    public IReadOnlyList<string> Mcp { get; init; } = [];

    /// <summary>The folder the built-in file tools may read under.</summary>
    public string Root { get; init; } = ".";

    /// <summary>Whether the built-in file tools may list and read dot-files and common secret files.</summary>
    public bool AllowHidden { get; init; }

    /// <summary>The most nodes <c>--cluster</c> starts on one machine.</summary>
    public const int MaxClusterNodes = 9;

    /// <summary>With <c>--cluster N</c>: start a local cluster of this many nodes (redis-server and a process per node).</summary>
    public int? ClusterNodes { get; init; }

    /// <summary>With <c>--node</c>: run as one node of a cluster.</summary>
    public ChatUiNodeArguments? Node { get; init; }

    /// <summary>Reads a command line.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The arguments read.</returns>
    /// <exception cref="ChatUiArgumentException">An option is unknown, lacks its value, or has a bad one.</exception>
    public static ChatUiArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = new ChatUiArguments();
        string? endpoint = null;
        var mcp = new List<string>();
        bool node = false, attached = false;
        string? redis = null, clusterId = null, roles = null;
        int? siloPort = null, gatewayPort = null;
        for (int i = 0; i < args.Count; i++)
        {
            string option = args[i];
            string Value() => i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                ? args[++i]
                : throw new ChatUiArgumentException($"{option} needs a value.");

            int PortValue()
            {
                string port = Value();
                return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 65535
                    ? p
                    : throw new ChatUiArgumentException($"{option} must be a number from 0 to 65535 (got '{port}').");
            }

            switch (option)
            {
                case "--port":
                    result = result with { Port = PortValue() };
                    break;
                case "--cluster":
                    string nodes = Value();
                    result = result with
                    {
                        ClusterNodes = int.TryParse(nodes, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= MaxClusterNodes
                            ? n
                            : throw new ChatUiArgumentException($"--cluster must be a number of nodes from 1 to {MaxClusterNodes} (got '{nodes}')."),
                    };
                    break;
                case "--node":
                    node = true;
                    break;
                case "--attached":
                    attached = true;
                    break;
                case "--redis":
                    redis = Value();
                    break;
                case "--cluster-id":
                    clusterId = Value();
                    break;
                case "--silo-port":
                    siloPort = PortValue();
                    break;
                case "--gateway-port":
                    gatewayPort = PortValue();
                    break;
                case "--roles":
                    roles = Value();
                    break;
                case "--endpoint":
                    endpoint = Value();
                    break;
                case "--model":
                    result = result with { Model = Value() };
                    break;
                case "--api-key":
                    result = result with { ApiKey = Value() };
                    break;
                case "--mcp":
                    mcp.Add(Value());
                    break;
                case "--root":
                    result = result with { Root = Value() };
                    break;
                case "--allow-hidden":
                    result = result with { AllowHidden = true };
                    break;
                default:
                    throw new ChatUiArgumentException($"unknown option '{option}'. Options: --port N, --endpoint URL, --model NAME, --api-key KEY, --mcp \"COMMAND ARGS\" (repeatable), --root DIR, --allow-hidden, --cluster N, --node.");
            }
        }

        if (node)
        {
            result = result with { Node = ParseNode(redis, clusterId, siloPort, gatewayPort, roles) with { Attached = attached } };
        }
        else if (redis is not null || clusterId is not null || siloPort is not null || gatewayPort is not null || roles is not null || attached)
        {
            throw new ChatUiArgumentException("--redis, --cluster-id, --silo-port, --gateway-port, --roles and --attached go with --node.");
        }

        if (node && result.ClusterNodes is not null)
        {
            throw new ChatUiArgumentException("--cluster starts nodes and --node is one of them: give one or the other.");
        }

        if (endpoint is null)
        {
            return result.Model is null && result.ApiKey is null && mcp.Count == 0 && !result.AllowHidden
                ? result
                : throw new ChatUiArgumentException("--model, --api-key, --mcp and --allow-hidden go with --endpoint URL.");
        }

        if (!OpenAIEndpoint.TryNormalize(endpoint, out Uri? uri))
        {
            throw new ChatUiArgumentException($"--endpoint must be an http or https address such as http://localhost:8000/v1 (got '{endpoint}').");
        }

        if (result.ApiKey is not null && !OpenAIEndpoint.CanCarryKey(uri))
        {
            throw new ChatUiArgumentException($"--api-key is sent only over https or to this machine's own server; {uri.Scheme}://{uri.Host} is neither.");
        }

        if (string.IsNullOrWhiteSpace(result.Model))
        {
            throw new ChatUiArgumentException("--endpoint needs --model NAME.");
        }

        if (!Directory.Exists(result.Root))
        {
            throw new ChatUiArgumentException($"the --root folder '{result.Root}' does not exist.");
        }

        return result with { Endpoint = uri, ApiKey = result.ApiKey ?? OpenAIEndpoint.DefaultApiKey(endpoint), Mcp = mcp };
    }

    private static ChatUiNodeArguments ParseNode(string? redis, string? clusterId, int? siloPort, int? gatewayPort, string? roles)
    {
        if (string.IsNullOrWhiteSpace(redis) || siloPort is not { } silo || gatewayPort is not { } gateway)
        {
            throw new ChatUiArgumentException("--node needs --redis HOST:PORT, --silo-port N and --gateway-port N.");
        }

        if (silo == 0 || gateway == 0 || silo == gateway)
        {
            throw new ChatUiArgumentException("--silo-port and --gateway-port must be two different ports, not 0.");
        }

        ChatUiNodeRoles parsed = ChatUiNodeRoles.None;
        foreach (string role in (roles ?? "front,worker").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            parsed |= role switch
            {
                "front" => ChatUiNodeRoles.Front,
                "worker" => ChatUiNodeRoles.Worker,
                _ => throw new ChatUiArgumentException($"--roles takes front, worker or both (front,worker); got '{role}'."),
            };
        }

        if (parsed == ChatUiNodeRoles.None)
        {
            throw new ChatUiArgumentException("--roles needs front, worker or both (front,worker).");
        }

        return new ChatUiNodeArguments(redis, string.IsNullOrWhiteSpace(clusterId) ? ChatUiNodeArguments.DefaultClusterId : clusterId, silo, gateway, parsed);
    }
}
