namespace ToolFlow.Benchmarks.Mesh;

/// <summary>Conversations a benchmark posts calls to: call <c>n</c> goes to conversation <c>n % conversations</c>.</summary>
internal interface IConversationRig
{
    /// <summary>Completes when every call has its terminal event at its conversation's sink.</summary>
    Task AllEnded { get; }

    /// <summary>Posts call <paramref name="n"/> to its conversation.</summary>
    /// <param name="n">The call number.</param>
    void Post(int n);

    /// <summary>Ends every conversation and waits until all is drained; checks every call ended well.</summary>
    void Finish();
}
