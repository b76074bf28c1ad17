using ToolFlow.Blocks;
using ToolFlow.Testing;

namespace ToolFlow.Pipeline.Tests;

internal static class TestToolsExtensions
{
    private static readonly Dictionary<string, TimeSpan> s_latencies = new()
    {
        ["slow"] = TimeSpan.FromMilliseconds(900),
        ["fast"] = TimeSpan.FromMilliseconds(100),
        ["medium"] = TimeSpan.FromMilliseconds(400),
    };

    public static ToolPipelineBuilder AddTools(this ToolPipelineBuilder builder, string[] names, TestTools tools) =>
        builder.AddTools(names.Select(n => tools.Delayed(n, s_latencies[n], $"{n}-result")), ToolEffects.ReadOnly);
}
