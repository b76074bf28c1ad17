using System.Collections.Immutable;
using System.Globalization;

namespace ToolFlow.Blocks;

/// <summary>
/// A ready-made <see cref="IToolPermissionPolicy"/>: the set of tools that may be called, changed at any time from any
/// thread (a UI or an operator revoking a tool while its calls run). Every change that alters the set increments
/// <see cref="Revision"/>, which each decision carries, so the ledger shows which permissions were in force.
/// </summary>
/// <remarks>
/// Thread-safe: changes are serialized; a check reads one immutable snapshot of the set and its revision without a
/// lock and answers synchronously, so asking costs no task.
/// </remarks>
public sealed class ToolPermissions : IToolPermissionPolicy
{
    private readonly Lock _lock = new();
    private Snapshot _current;

    /// <summary>Creates the policy with the tools allowed at first (none by default), at revision 0.</summary>
    /// <param name="allowed">The tools' names, compared ordinally.</param>
    /// <param name="name">The policy's name in decisions and the ledger. Default <c>ToolPermissions</c>.</param>
    public ToolPermissions(IEnumerable<string>? allowed = null, string name = nameof(ToolPermissions))
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ImmutableHashSet<string> set = ImmutableHashSet.Create<string>(StringComparer.Ordinal);
        foreach (string tool in allowed ?? [])
        {
            ArgumentException.ThrowIfNullOrEmpty(tool, nameof(allowed));
            set = set.Add(tool);
        }

        Name = name;
        _current = new Snapshot(set, 0);
    }

    /// <summary>The policy's name, as decisions carry it.</summary>
    public string Name { get; }

    /// <summary>The number of changes made to the set so far (0 for the set it was created with).</summary>
    public long Revision => Volatile.Read(ref _current).Revision;

    /// <summary>The tools allowed now.</summary>
    public IReadOnlySet<string> Allowed => Volatile.Read(ref _current).Tools;

    /// <summary>Whether calls to <paramref name="tool"/> are allowed now.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <returns><see langword="true"/> if it is in the set.</returns>
    public bool IsAllowed(string tool) => Volatile.Read(ref _current).Tools.Contains(tool);

    /// <summary>Allows calls to a tool from now on; the revision moves if it was not allowed.</summary>
    /// <param name="tool">The tool's name.</param>
    /// <returns>Whether the set changed.</returns>
    public bool Allow(string tool)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        return Change(tool, allow: true);
    }

    /// <summary>
    /// Revokes a tool: its calls not yet dispatched are denied, and the results of those running are quarantined when
    /// they arrive. The revision moves if it was allowed.
    /// </summary>
    /// <param name="tool">The tool's name.</param>
    /// <returns>Whether the set changed.</returns>
    public bool Revoke(string tool)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        return Change(tool, allow: false);
    }

    /// <inheritdoc/>
    public ValueTask<ToolPermissionDecision> CheckAsync(ToolCall call, ToolPermissionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        Snapshot current = Volatile.Read(ref _current);
        string revision = current.RevisionText;
        ToolPermissionDecision decision = current.Tools.Contains(call.Name)
            ? new ToolPermissionDecision(true, Name, revision)
            : new ToolPermissionDecision(false, Name, revision, $"the tool '{call.Name}' is not permitted (permissions revision {revision})");
        return ValueTask.FromResult(decision);
    }

    private bool Change(string tool, bool allow)
    {
        lock (_lock)
        {
            Snapshot current = _current;
            ImmutableHashSet<string> changed = allow ? current.Tools.Add(tool) : current.Tools.Remove(tool);
            if (ReferenceEquals(changed, current.Tools))
            {
                return false;
            }

            Volatile.Write(ref _current, new Snapshot(changed, current.Revision + 1));
            return true;
        }
    }

    // The set and its revision change together, so a decision never pairs one with the other's neighbour.
    private sealed class Snapshot(ImmutableHashSet<string> tools, long revision)
    {
        public ImmutableHashSet<string> Tools { get; } = tools;

        public long Revision { get; } = revision;

        public string RevisionText { get; } = revision.ToString(CultureInfo.InvariantCulture);
    }
}
