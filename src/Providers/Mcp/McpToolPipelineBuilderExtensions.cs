using ToolFlow.Blocks;
using ToolFlow.Pipeline;

namespace ToolFlow.Providers;

/// <summary>Adds the tools of MCP servers to a <see cref="ToolPipelineBuilder"/>.</summary>
public static class McpToolPipelineBuilderExtensions
{
    /// <summary>
    /// Adds every tool of an MCP server, with the effects its annotations give (read-only and idempotent tools start
    /// mid-decode; the others wait for the response to end cleanly). The source must stay undisposed while the
    /// pipeline runs.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="source">The connected server.</param>
    /// <param name="configure">
    /// Optional: given each tool's descriptor, returns the descriptor to add (for example one with a timeout or a
    /// concurrency cap), or <see langword="null"/> to leave the tool out.
    /// </param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">A tool's name is already added; see <see cref="McpToolSourceOptions.ToolNamePrefix"/>.</exception>
    public static ToolPipelineBuilder AddMcpTools(this ToolPipelineBuilder builder, McpToolSource source, Func<ToolDescriptor, ToolDescriptor?>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(source);
        foreach (ToolDescriptor tool in source.Tools)
        {
            if ((configure is null ? tool : configure(tool)) is { } chosen)
            {
                builder.AddTool(chosen);
            }
        }

        return builder;
    }

    /// <summary>Adds every tool of several MCP servers; see <see cref="AddMcpTools(ToolPipelineBuilder, McpToolSource, Func{ToolDescriptor, ToolDescriptor?}?)"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="sources">The connected servers.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">Two tools share a name; see <see cref="McpToolSourceOptions.ToolNamePrefix"/>.</exception>
    public static ToolPipelineBuilder AddMcpTools(this ToolPipelineBuilder builder, IEnumerable<McpToolSource> sources)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(sources);
        foreach (McpToolSource source in sources)
        {
            builder.AddMcpTools(source);
        }

        return builder;
    }
}
