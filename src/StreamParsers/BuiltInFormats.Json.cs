namespace ToolFlow.StreamParsers;

/// <content>The open-model formats whose arguments are JSON inside markers, read by <see cref="MarkedJsonToolCallParser"/>.</content>
public sealed partial class ToolCallFormatRegistry
{
    static partial void RegisterJsonFormats(ToolCallFormatRegistry registry)
    {
        foreach (string format in MarkedJsonToolCallParser.Formats)
        {
            registry.Register(format, o => new MarkedJsonToolCallParser(format, o));
        }
    }
}
