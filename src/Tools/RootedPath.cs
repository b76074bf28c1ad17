namespace ToolFlow.Tools;

/// <summary>
/// Resolves a path through symbolic links at every level, as the kernel does (a <c>..</c> after a link climbs from the
/// link's target, not from the link), so the caller can check where a path really leads before opening it.
/// </summary>
internal static class RootedPath
{
    /// <summary>The most links one path may pass through, as Linux's own limit (40), so a loop ends.</summary>
    public const int MaxLinks = 40;

    /// <summary>The path <paramref name="path"/> (absolute) leads to, every link followed; parts that do not exist are kept as written.</summary>
    /// <exception cref="IOException">The path passes through more than <see cref="MaxLinks"/> links (a loop).</exception>
    public static string Resolve(string path)
    {
        // No lexical clean-up first: "link/.." must climb from the link's target, as the kernel would.
        string full = Path.IsPathFullyQualified(path) ? path : Path.Join(Directory.GetCurrentDirectory(), path);
        string current = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        Push(pending, full[current.Length..]);
        int links = 0;
        while (pending.TryPop(out string? part))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            string next = Path.Join(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
            {
                throw new IOException($"passes through more than {MaxLinks} links (a link loop?)");
            }

            // The target's parts go before what is left; an absolute target starts again from its root.
            if (Path.IsPathRooted(target))
            {
                current = Path.GetPathRoot(target)!;
                target = target[current.Length..];
            }

            Push(pending, target);
        }

        return current;
    }

    /// <summary>Whether <paramref name="full"/> is <paramref name="root"/> or under it (both resolved).</summary>
    public static bool IsUnder(string full, string root) =>
        string.Equals(full, root, StringComparison.Ordinal) ||
        full.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static void Push(Stack<string> pending, string relative)
    {
        string[] parts = relative.Split(Path.DirectorySeparatorChar == '/' ? ['/'] : ['/', '\\']);
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
