namespace ToolFlow.Blocks;

/// <summary>
/// Compares <see cref="CallState"/>s by <see cref="CallState.ArgumentsHash"/>, and looks one up by the hash alone: the
/// gate's dedup table is a set of entries rather than a dictionary from hash to entry, a third smaller per call. An
/// entry's hash is set before it enters the table and never changes while it is there.
/// </summary>
internal sealed class ArgumentsHashComparer : IEqualityComparer<CallState>, IAlternateEqualityComparer<ulong, CallState>
{
    public static readonly ArgumentsHashComparer Instance = new();

    public bool Equals(CallState? x, CallState? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.ArgumentsHash == y.ArgumentsHash);

    public int GetHashCode(CallState obj) => obj.ArgumentsHash.GetHashCode();

    public bool Equals(ulong alternate, CallState other) => alternate == other.ArgumentsHash;

    public int GetHashCode(ulong alternate) => alternate.GetHashCode();

    public CallState Create(ulong alternate) => throw new NotSupportedException("Entries are added whole, never from a hash.");
}
