using System.Globalization;

namespace ToolFlow.Orleans;

/// <summary>
/// The key of an <see cref="IToolCallGrain"/>: <c>{tool}/{scope}/{callId}/{attempt}.{rerun}</c>. The tool comes first,
/// escaped, so the placement director reads it without knowing the rest; the re-run comes last, so the director can
/// name the keys of the re-runs before it (and the silos they went to).
/// </summary>
internal readonly record struct ToolCallKey(string Tool, string Attempt, int Rerun)
{
    public static string Format(string tool, string scope, string callId, int attempt, int rerun) =>
        string.Create(CultureInfo.InvariantCulture, $"{Uri.EscapeDataString(tool)}/{scope}/{callId}/{attempt}.{rerun}");

    /// <summary>Reads a key; <see langword="false"/> for one not made by <see cref="Format"/>.</summary>
    public static bool TryParse(string key, out ToolCallKey parsed)
    {
        parsed = default;
        int slash = key.IndexOf('/', StringComparison.Ordinal);
        int dot = key.LastIndexOf('.');
        if (slash <= 0 || dot <= slash
            || !int.TryParse(key.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int rerun))
        {
            return false;
        }

        parsed = new ToolCallKey(Uri.UnescapeDataString(key[..slash]), key[..dot], rerun);
        return true;
    }

    /// <summary>The key of an earlier re-run of the same attempt.</summary>
    public string WithRerun(int rerun) => string.Create(CultureInfo.InvariantCulture, $"{Attempt}.{rerun}");
}
