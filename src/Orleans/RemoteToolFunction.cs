using System.Text.Json;
using Microsoft.Extensions.AI;
using Orleans.Runtime;
using ToolFlow.Blocks;

namespace ToolFlow.Orleans;

/// <summary>
/// A tool whose body runs on a worker silo: the pipeline schedules it as the local tool it stands for (same name,
/// schema and effects), and each attempt is sent to an <see cref="IToolCallGrain"/> placed on another silo.
/// </summary>
/// <remarks>
/// A silo lost mid-call fails the attempt with <see cref="SiloUnavailableException"/>. A tool that is safe to repeat
/// (read-only or idempotent) is then run again on another silo, at most <see cref="MaxReruns"/> times. Any other tool
/// fails as <see cref="ToolCallFailureKind.OutcomeUnknown"/>, since the lost attempt may have taken effect. The call's
/// own token, timeout included, bounds a call to a silo that never answers.
/// </remarks>
public sealed class RemoteToolFunction : DelegatingAIFunction
{
    /// <summary>How many times a call that is safe to repeat is run again after its silo was lost.</summary>
    public const int MaxReruns = 2;

    private readonly IGrainFactory _grains;
    private readonly string _scope;

    /// <summary>Initializes the function.</summary>
    /// <param name="tool">The tool it stands for: its name, description and schema are the remote one's.</param>
    /// <param name="grains">Where grain calls go from (a silo's grain factory, or a cluster client).</param>
    /// <param name="scope">Names the conversation (or run) in the grain keys, so calls of different conversations never share one.</param>
    public RemoteToolFunction(AIFunction tool, IGrainFactory grains, string scope)
        : base(tool)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrEmpty(scope);
        _grains = grains;
        _scope = scope;
    }

    /// <inheritdoc />
    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ToolCallContext? context = ToolCallContext.Current;
        string callId = context?.Call.CallId ?? Guid.NewGuid().ToString("N");
        int attempt = context?.Attempt ?? 1;
        bool safeToRepeat = context?.Tool.IsSafeToRepeat ?? false;
        var request = new RemoteToolRequest(Name, JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>))));
        for (int rerun = 0; ; rerun++)
        {
            IToolCallGrain grain = _grains.GetGrain<IToolCallGrain>($"{_scope}/{callId}/{attempt}.{rerun}");
            try
            {
                RemoteToolResult result = await grain.InvokeAsync(request, cancellationToken).ConfigureAwait(false);
                return JsonSerializer.Deserialize<JsonElement>(result.ResultJson);
            }
            catch (SiloUnavailableException) when (safeToRepeat && rerun < MaxReruns)
            {
                // Placed anew under the next key: the dead silo leaves the candidates once membership declares it.
            }
            catch (SiloUnavailableException lost)
            {
                throw new ToolOutcomeUnknownException($"the silo running it was lost ({lost.Message.Split('\n')[0]})", lost);
            }
        }
    }
}
