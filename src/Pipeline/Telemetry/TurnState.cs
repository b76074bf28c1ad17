using System.Diagnostics;

namespace ToolFlow.Pipeline;

/// <summary>A turn as <see cref="RunTelemetry"/> knows it: its span, its decode start and its model request's span.</summary>
internal sealed class TurnState
{
    private ActivityContext _requestSpan;
    private int _hasRequestSpan;

    /// <summary>The turn's span, or <see langword="null"/> when nobody records spans.</summary>
    public Activity? Activity { get; set; }

    /// <summary>When the turn's request started (its <see cref="ToolFlow.Blocks.TurnStarted"/>).</summary>
    public DateTimeOffset? DecodeStart { get; set; }

    /// <summary>The span of the model request the turn's calls were detected in, once one started under the turn.</summary>
    public ActivityContext? RequestSpan => Volatile.Read(ref _hasRequestSpan) == 1 ? _requestSpan : null;

    /// <summary>Keeps the first request span started under the turn (the model's own, not a nested call's).</summary>
    public void RecordRequestSpan(ActivityContext context)
    {
        if (Interlocked.CompareExchange(ref _hasRequestSpan, 2, 0) == 0)
        {
            _requestSpan = context;
            Volatile.Write(ref _hasRequestSpan, 1);
        }
    }
}
