using System.Threading.Tasks.Dataflow;

namespace ToolFlow.Blocks;

/// <summary>Helpers for wiring ToolFlow blocks.</summary>
public static class ToolBlockExtensions
{
    /// <summary>Links <paramref name="source"/> to <paramref name="next"/> and returns <paramref name="next"/>, for chains.</summary>
    /// <typeparam name="T">What the source offers.</typeparam>
    /// <typeparam name="TOut">What the next block offers.</typeparam>
    /// <param name="source">The source.</param>
    /// <param name="next">The next block.</param>
    /// <param name="linkOptions">The link options; completion usually propagates.</param>
    /// <returns><paramref name="next"/>.</returns>
    public static ISourceBlock<TOut> LinkThrough<T, TOut>(this ISourceBlock<T> source, IPropagatorBlock<T, TOut> next, DataflowLinkOptions linkOptions)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.LinkTo(next, linkOptions);
        return next;
    }
}
