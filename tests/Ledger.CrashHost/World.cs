namespace ToolFlow.Ledger.CrashHost;

/// <summary>
/// The "outside world" the tools act on: a side file with one line per real effect, appended and flushed to the
/// operating system before the tool goes on, so a kill right after it still leaves the line. A tool that honours
/// idempotency keys finds its keys here too.
/// </summary>
/// <remarks>Line format: <c>TOOL TAG generation=G key=KEY</c>; the test parses it.</remarks>
internal sealed class World
{
    private readonly object _lock = new();
    private readonly string _path;
    private readonly int _generation;

    public World(string path, int generation)
    {
        _path = path;
        _generation = generation;
    }

    /// <summary>Records an effect of <paramref name="tool"/> for the call tagged <paramref name="tag"/>.</summary>
    public void Effect(string tool, string tag, string? key)
    {
        lock (_lock)
        {
            using var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
            using var writer = new StreamWriter(file);
            writer.Write($"{tool} {tag} generation={_generation} key={key ?? "-"}\n");
        }
    }

    /// <summary>Whether an effect with this key was already recorded (by this process or an earlier one).</summary>
    public bool HasKey(string key)
    {
        lock (_lock)
        {
            return File.Exists(_path) && File.ReadLines(_path).Any(l => l.EndsWith($" key={key}", StringComparison.Ordinal));
        }
    }

    /// <summary>Runs <paramref name="effect"/> only if no effect with <paramref name="key"/> is recorded, as a keyed service would.</summary>
    public bool EffectOnce(string tool, string tag, string key)
    {
        lock (_lock)
        {
            if (HasKey(key))
            {
                return false;
            }

            Effect(tool, tag, key);
            return true;
        }
    }
}
