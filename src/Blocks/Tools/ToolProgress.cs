using System.Reflection;
using Microsoft.Extensions.AI;

namespace ToolFlow.Blocks;

/// <summary>
/// How a tool written in .NET reports progress while a <see cref="ToolExecutionBlock"/> runs it: each report becomes a
/// <see cref="ToolCallProgressed"/> event of its call.
/// </summary>
/// <remarks>
/// <para>
/// The block sets <see cref="Current"/> around each attempt of a call, as an async-local value, so any
/// <see cref="AIFunction"/> (and anything it awaits) reaches its own call's reporter:
/// <c>ToolProgress.Current?.Report(new(done, total, "Copying"))</c>. A function made with
/// <see cref="AIFunctionFactory"/> can instead take an <see cref="IProgress{T}"/> of <see cref="ToolProgressUpdate"/>
/// parameter, as it takes a <see cref="CancellationToken"/>, when created with <see cref="BindParameters"/>:
/// <code>
/// AIFunction copy = AIFunctionFactory.Create(
///     async (string path, IProgress&lt;ToolProgressUpdate&gt; progress, CancellationToken ct) => { ... },
///     ToolProgress.BindParameters(new AIFunctionFactoryOptions { Name = "copy" }));
/// </code>
/// </para>
/// <para>
/// Reports are cheap to make in a loop: the block emits at most one event per call per
/// <see cref="ToolExecutionBlockOptions.MinProgressInterval"/>, the latest report winning. A report made after the
/// attempt or the call has ended (the tool kept the reporter, or was cancelled and went on) is dropped, never emitted
/// late. A report whose progress or total is not finite throws <see cref="ArgumentOutOfRangeException"/>.
/// </para>
/// </remarks>
public static class ToolProgress
{
    // The running call's first attempt flows as its CallRun, which exists anyway, so a tool that never asks makes no
    // reporter; a retry flows as its reporter, made when the retry starts.
    private static readonly AsyncLocal<object?> s_current = new();

    /// <summary>
    /// The running call's progress reporter, or <see langword="null"/> outside a call run by a
    /// <see cref="ToolExecutionBlock"/> (and in a batch invocation, whose calls share no reporter).
    /// </summary>
    public static IProgress<ToolProgressUpdate>? Current => s_current.Value switch
    {
        CallRun call => call.Invoker.Gate.GetReporter(call, 1),
        IProgress<ToolProgressUpdate> reporter => reporter,
        _ => null,
    };

    /// <summary>
    /// Makes <see cref="AIFunctionFactory"/> bind every parameter of type <see cref="IProgress{T}"/> of
    /// <see cref="ToolProgressUpdate"/> to the running call's reporter (one that drops every report outside a call),
    /// and leave it out of the schema the model sees. Any binding the options already configure applies to the other
    /// parameters.
    /// </summary>
    /// <param name="options">The options to extend, or <see langword="null"/> for new ones.</param>
    /// <returns>The same options (or new ones), for <see cref="AIFunctionFactory.Create(Delegate, AIFunctionFactoryOptions?)"/>.</returns>
    public static AIFunctionFactoryOptions BindParameters(AIFunctionFactoryOptions? options = null)
    {
        options ??= new AIFunctionFactoryOptions();
        Func<ParameterInfo, AIFunctionFactoryOptions.ParameterBindingOptions>? inner = options.ConfigureParameterBinding;
        options.ConfigureParameterBinding = parameter => parameter.ParameterType == typeof(IProgress<ToolProgressUpdate>)
            ? new AIFunctionFactoryOptions.ParameterBindingOptions { BindParameter = static (_, _) => Current ?? NoProgress.Instance, ExcludeFromSchema = true }
            : inner?.Invoke(parameter) ?? default;
        return options;
    }

    /// <summary>
    /// Sets what <see cref="Current"/> reads for the rest of the calling async method and what it calls: a call in its
    /// first attempt (whose reporter is made when first asked for), or a reporter.
    /// </summary>
    internal static void Enter(CallRun call) => s_current.Value = call;

    /// <inheritdoc cref="Enter(CallRun)"/>
    internal static void Enter(IProgress<ToolProgressUpdate> reporter) => s_current.Value = reporter;

    /// <summary>The running call and attempt whose flow this is, or <see langword="null"/> outside a call (see <see cref="RunningCall"/>).</summary>
    internal static (CallRun Run, int Attempt)? CurrentAttempt => s_current.Value switch
    {
        CallRun call => (call, 1),
        ProgressReporter reporter => (reporter.Run, reporter.Attempt),
        _ => null,
    };

    /// <summary>Throws if a report's numbers cannot be shown.</summary>
    internal static void Validate(ToolProgressUpdate update)
    {
        if (update.Progress is { } progress && !double.IsFinite(progress))
        {
            throw new ArgumentOutOfRangeException(nameof(update), progress, "The progress must be a finite number.");
        }

        if (update.Total is { } total && !double.IsFinite(total))
        {
            throw new ArgumentOutOfRangeException(nameof(update), total, "The total must be a finite number.");
        }
    }

    // What a bound parameter gets outside a call, and an attempt's flow once the attempt has ended: reports go nowhere,
    // so the tool needs no null check.
    internal sealed class NoProgress : IProgress<ToolProgressUpdate>
    {
        public static readonly NoProgress Instance = new();

        public void Report(ToolProgressUpdate value) => Validate(value);
    }
}
