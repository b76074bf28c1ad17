using System.Text.Json;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Orleans;

/// <summary>
/// A tool whose body runs on a worker silo: the pipeline schedules it as the local tool it stands for (same name,
/// schema and effects), and each attempt is sent to an <see cref="IToolCallGrain"/> placed on a silo that hosts the
/// tool.
/// </summary>
/// <remarks>
/// <para>
/// The call's token (the pipeline's cancellation and the attempt's timeout) goes with the call: cancelling it
/// cancels the body on the worker, and it bounds a call to a silo that never answers. The attempt's timeout also
/// travels in the request, so the worker stops the body even when the caller is gone.
/// </para>
/// <para>
/// A silo lost mid-call fails the attempt with <see cref="SiloUnavailableException"/>. The call then runs again on
/// another silo (at most <see cref="RemoteToolOptions.MaxReruns"/> times) when that is safe: its tool is read-only or
/// idempotent, or it honours idempotency keys (<see cref="ToolDescriptor.HonorsIdempotencyKeys"/>), in which case the
/// re-run carries the same key. Any other call fails as <see cref="ToolCallFailureKind.OutcomeUnknown"/>, since the
/// lost attempt may have taken effect. Called outside an execution block (no <see cref="ToolCallContext"/>), a call
/// counts as side-effecting, with a fresh call id.
/// </para>
/// <para>
/// The worker's body reads the call's key from <see cref="ToolIdempotency.CurrentKey"/>: the pipeline's key when it
/// has one (a ledger), else, for a tool that honours keys, <c>{scope}/{callId}</c>.
/// </para>
/// </remarks>
public sealed class RemoteToolFunction : DelegatingAIFunction
{
    private readonly IGrainFactory _grains;
    private readonly string _scope;
    private readonly int _maxReruns;

    /// <summary>Initializes the function.</summary>
    /// <param name="tool">The tool it stands for: its name, description and schema are the remote one's.</param>
    /// <param name="grains">Where grain calls go from: a silo's grain factory (a cluster client's calls all pass through one gateway, and wait out its loss).</param>
    /// <param name="scope">Names the conversation (or run) in the grain keys, so calls of different conversations never share one.</param>
    public RemoteToolFunction(AIFunction tool, IGrainFactory grains, string scope)
        : this(tool, grains, scope, new RemoteToolOptions())
    {
    }

    /// <summary>Initializes the function with options.</summary>
    /// <param name="tool">The tool it stands for: its name, description and schema are the remote one's.</param>
    /// <param name="grains">Where grain calls go from: a silo's grain factory (a cluster client's calls all pass through one gateway, and wait out its loss).</param>
    /// <param name="scope">Names the conversation (or run) in the grain keys, so calls of different conversations never share one.</param>
    /// <param name="options">How calls are sent; read once, here.</param>
    public RemoteToolFunction(AIFunction tool, IGrainFactory grains, string scope, RemoteToolOptions options)
        : base(tool)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrEmpty(scope);
        ArgumentNullException.ThrowIfNull(options);
        _grains = grains;
        _scope = scope;
        _maxReruns = options.MaxReruns;
    }

    /// <inheritdoc />
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ToolCallContext? context = ToolCallContext.Current;
        string callId = context?.Call.CallId ?? Guid.NewGuid().ToString("N");
        int attempt = context?.Attempt ?? 1;
        ToolDescriptor? tool = context?.Tool;
        bool safeToRepeat = tool?.IsSafeToRepeat ?? false;
        bool honorsKeys = tool?.HonorsIdempotencyKeys ?? false;
        var request = new RemoteToolRequest(
            Name,
            JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))),
            context?.IdempotencyKey ?? (honorsKeys ? $"{_scope}/{callId}" : null),
            tool?.Timeout);
        for (int rerun = 0; ; rerun++)
        {
            IToolCallGrain grain = _grains.GetGrain<IToolCallGrain>(ToolCallKey.Format(Name, _scope, callId, attempt, rerun));
            try
            {
                RemoteToolResult result = await grain.InvokeAsync(request, cancellationToken).ConfigureAwait(false);
                return RemoteResults.Deserialize(result.ResultJson);
            }
            catch (SiloUnavailableException) when ((safeToRepeat || honorsKeys) && rerun < _maxReruns)
            {
                // The next key is placed anew, away from the silos the earlier keys went to.
            }
            catch (SiloUnavailableException lost) when (!safeToRepeat)
            {
                throw new ToolOutcomeUnknownException($"the silo running it was lost ({lost.Message.Split('\n')[0]})", lost);
            }
        }
    }
}
