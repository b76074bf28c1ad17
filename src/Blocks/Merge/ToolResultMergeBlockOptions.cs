namespace ToolFlow.Blocks;

/// <summary>Options of <see cref="ToolResultMergeBlock"/>.</summary>
public sealed class ToolResultMergeBlockOptions : ToolBlockOptions
{
    /// <summary>
    /// Futures mode (AsyncFC): a turn completes as soon as its response does; each call still running gets a future
    /// placeholder as its result, and <see cref="FutureResolved"/> follows when it ends. Default <see langword="false"/>:
    /// a turn completes once every call has an outcome.
    /// </summary>
    public bool UseFutures { get; set; }

    internal ToolResultMergeBlockOptions Clone()
    {
        var clone = new ToolResultMergeBlockOptions { UseFutures = UseFutures };
        CopyTo(clone);
        return clone;
    }
}
