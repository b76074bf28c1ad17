using System.Collections.Concurrent;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Picks a tool-call parser by format name (<c>hermes</c>, <c>qwen3_coder</c>, <c>openai-chat</c>, ...).
/// <see cref="Default"/> holds every built-in format; add your own with <see cref="Register"/>.
/// </summary>
/// <remarks>
/// To add a format, derive from <see cref="ToolCallTextParser"/> (report each call with
/// <see cref="IToolCallParserObserver.OnCallCompleted"/> as soon as it is complete, never re-read earlier input), then
/// <c>ToolCallFormatRegistry.Default.Register("my_format", options =&gt; new MyParser(options))</c>. Names are
/// case-insensitive. The registry is thread-safe.
/// </remarks>
public sealed class ToolCallFormatRegistry
{
    private readonly ConcurrentDictionary<string, Func<ToolCallParserOptions, ToolCallTextParser>> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The registry with every built-in format.</summary>
    public static ToolCallFormatRegistry Default { get; } = CreateBuiltIn();

    /// <summary>The registered format names, sorted.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys.Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Registers a format, replacing any format of the same name.</summary>
    /// <param name="name">The format name.</param>
    /// <param name="factory">Makes a parser for one response.</param>
    public void Register(string name, Func<ToolCallParserOptions, ToolCallTextParser> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[name] = factory;
    }

    /// <summary>Whether a format of that name is registered.</summary>
    /// <param name="name">The format name.</param>
    /// <returns><see langword="true"/> when it is.</returns>
    public bool Contains(string name) => _factories.ContainsKey(name);

    /// <summary>Makes a parser for one response.</summary>
    /// <param name="name">The format name.</param>
    /// <param name="options">Limits and tool schemas, or <see langword="null"/> for the defaults.</param>
    /// <returns>A new parser.</returns>
    /// <exception cref="KeyNotFoundException">No format has that name; the message lists the names there are.</exception>
    public ToolCallTextParser Create(string name, ToolCallParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _factories.TryGetValue(name, out Func<ToolCallParserOptions, ToolCallTextParser>? factory)
            ? factory(options ?? ToolCallParserOptions.Default)
            : throw new KeyNotFoundException($"There is no tool-call format named '{name}'. The formats are: {string.Join(", ", Names)}.");
    }

    /// <summary>The factory for a format, for <see cref="Create"/>-style use without the lookup each time.</summary>
    /// <param name="name">The format name.</param>
    /// <param name="factory">The factory, when found.</param>
    /// <returns>Whether the format is registered.</returns>
    public bool TryGetFactory(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Func<ToolCallParserOptions, ToolCallTextParser>? factory) =>
        _factories.TryGetValue(name, out factory);

    private static ToolCallFormatRegistry CreateBuiltIn()
    {
        var registry = new ToolCallFormatRegistry();
        BuiltInFormats.RegisterAll(registry);
        return registry;
    }
}
