using ModelContextProtocol;
using ToolFlow.Blocks;

namespace ToolFlow.Providers.Mcp.Tests;

/// <summary>The SDK may hand a call's notifications over out of order: the forwarder keeps the progress increasing.</summary>
public sealed class McpProgressForwarderTests
{
    private sealed class Recorder : IProgress<ToolProgressUpdate>
    {
        public List<ToolProgressUpdate> Updates { get; } = [];

        public void Report(ToolProgressUpdate value) => Updates.Add(value);
    }

    [Fact]
    public void Report_NotificationsOutOfOrder_StaleOnesAreDroppedTheRestPassedOnWithTheirFields()
    {
        var recorder = new Recorder();
        var forwarder = new McpProgressForwarder(recorder);

        foreach (float progress in new[] { 1f, 3f, 2f, 3f, 4f })
        {
            forwarder.Report(new ProgressNotificationValue { Progress = progress, Total = 4, Message = $"at {progress}" });
        }

        Assert.Equal([new(1, 4, "at 1"), new(3, 4, "at 3"), new ToolProgressUpdate(4, 4, "at 4")], recorder.Updates);
    }
}
