namespace ToolFlow.Orleans;

/// <summary>Settings of the conversation grains on a silo (<see cref="ToolFlowConversationsSiloBuilderExtensions.AddToolFlowConversations"/>).</summary>
public sealed class ToolFlowConversationsOptions
{
    /// <summary>
    /// The grain storage provider that keeps conversations, their ledgers and each owner's list (default
    /// <c>"Default"</c>, Orleans' default provider name). Every silo must register it, on a store all of them reach
    /// (Redis, a database), or a conversation does not survive its node.
    /// </summary>
    public string StorageName
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            field = value;
        }
    } = "Default";
}
