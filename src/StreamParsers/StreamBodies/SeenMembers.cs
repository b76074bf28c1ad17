using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ToolFlow.StreamParsers;

/// <summary>
/// The members of a JSON object an event reader has met, as a flags enum of its own: a member met twice sends the
/// event the document's way, which reports what is wrong with it.
/// </summary>
internal static class SeenMembers
{
    /// <summary>Marks <paramref name="member"/> as met.</summary>
    /// <typeparam name="TMembers">The reader's flags enum (of <see cref="int"/>).</typeparam>
    /// <param name="seen">The members met so far.</param>
    /// <param name="member">The member just met.</param>
    /// <returns>Whether it was met for the first time.</returns>
    public static bool First<TMembers>(ref TMembers seen, TMembers member)
        where TMembers : unmanaged, Enum
    {
        Debug.Assert(Unsafe.SizeOf<TMembers>() == sizeof(int), "The readers' enums are of int.");
        ref int bits = ref Unsafe.As<TMembers, int>(ref seen);
        int bit = Unsafe.As<TMembers, int>(ref member);
        bool first = (bits & bit) == 0;
        bits |= bit;
        return first;
    }
}
