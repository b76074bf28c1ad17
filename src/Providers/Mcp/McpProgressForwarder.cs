using ModelContextProtocol;
using ToolFlow.Blocks;

namespace ToolFlow.Providers.Mcp;

/// <summary>
/// Passes an MCP server's progress notifications for one call to the call's <see cref="ToolProgress"/> reporter. The
/// SDK handles each incoming message on its own task, so notifications may arrive out of order; MCP requires a
/// call's progress to increase, so one that does not is stale and is dropped rather than shown going backwards.
/// </summary>
internal sealed class McpProgressForwarder(IProgress<ToolProgressUpdate> target) : IProgress<ProgressNotificationValue>
{
    private readonly object _lock = new();
    private float? _last;

    public void Report(ProgressNotificationValue value)
    {
        lock (_lock)
        {
            if (_last is { } last && value.Progress <= last)
            {
                return;
            }

            _last = value.Progress;

            // Under the lock, so two notifications cannot pass each other between the check and the report.
            target.Report(new ToolProgressUpdate(value.Progress, value.Total, value.Message));
        }
    }
}
