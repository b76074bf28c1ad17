namespace ToolFlow.StreamParsers;

/// <content>The open-model formats whose arguments are JSON inside markers, read by <see cref="MarkedJsonToolCallParser"/>.</content>
public sealed partial class ToolCallFormatRegistry
{
    static partial void RegisterJsonFormats(ToolCallFormatRegistry registry)
    {
        foreach (string format in MarkedJsonToolCallParser.Formats)
        {
            if (format == "hermes")
            {
                // "hermes" itself is registered with HermesToolCallParser; the variant-tolerant parser has its own name.
                continue;
            }

            registry.Register(format, o => new MarkedJsonToolCallParser(format, o));
        }
    }
}
