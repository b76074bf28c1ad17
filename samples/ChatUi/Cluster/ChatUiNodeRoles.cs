namespace ToolFlow.Samples.ChatUi;

/// <summary>What a node of a cluster does (<c>--roles front,worker</c>).</summary>
[Flags]
public enum ChatUiNodeRoles
{
    /// <summary>Nothing; not a valid node.</summary>
    None = 0,

    /// <summary>Serves the chat page and endpoints over HTTP and hosts conversations.</summary>
    Front = 1,

    /// <summary>Runs tools for the conversations of any node.</summary>
    Worker = 2,
}
