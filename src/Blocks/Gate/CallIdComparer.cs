namespace ToolFlow.Blocks;

/// <summary>
/// Compares <see cref="CallState"/>s by call id, and looks one up by the id alone: the gate's call table is a set of
/// entries rather than a dictionary from id to entry, a third smaller per call (the id is the entry's own).
/// </summary>
internal sealed class CallIdComparer : IEqualityComparer<CallState>, IAlternateEqualityComparer<string, CallState>
{
    public static readonly CallIdComparer Instance = new();

    public bool Equals(CallState? x, CallState? y) => ReferenceEquals(x, y) || (x is not null && y is not null && string.Equals(x.Call.CallId, y.Call.CallId, StringComparison.Ordinal));

    public int GetHashCode(CallState obj) => StringComparer.Ordinal.GetHashCode(obj.Call.CallId);

    public bool Equals(string alternate, CallState other) => string.Equals(alternate, other.Call.CallId, StringComparison.Ordinal);

    public int GetHashCode(string alternate) => StringComparer.Ordinal.GetHashCode(alternate);

    public CallState Create(string alternate) => throw new NotSupportedException("Entries are added whole, never from an id.");
}
