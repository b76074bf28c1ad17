namespace ToolFlow.Tools;

/// <summary>What the file tools of <see cref="BuiltInTools"/> may read, and their limits.</summary>
public sealed class BuiltInToolsOptions
{
    /// <summary>The default <see cref="MaxReadBytes"/>: 1 MiB.</summary>
    public const int DefaultMaxReadBytes = 1 << 20;

    /// <summary>The default <see cref="FileTimeout"/>: 10 seconds.</summary>
    public static readonly TimeSpan DefaultFileTimeout = TimeSpan.FromSeconds(10);

    private string _root = ".";
    private int _maxReadBytes = DefaultMaxReadBytes;
    private TimeSpan _fileTimeout = DefaultFileTimeout;

    /// <summary>The folder the file tools may read under, resolved through its links when the tools are made. Default <c>.</c>.</summary>
    public string Root
    {
        get => _root;
        set => _root = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("The root must name a folder.", nameof(value)) : value;
    }

    /// <summary>
    /// Whether dot-files and common secret files (<c>.env</c>, <c>.git/</c>, <c>.ssh/</c>, <c>*.pem</c>, <c>*.key</c>,
    /// <c>id_rsa</c>, <c>credentials</c>, ...) are listed and read. Default <see langword="false"/>: they are left out of
    /// listings and refused, so a model cannot send them to its endpoint.
    /// </summary>
    public bool AllowHidden { get; set; }

    /// <summary>The most bytes <c>read_file</c> reads from one file; the rest is cut with a note. Default <see cref="DefaultMaxReadBytes"/>.</summary>
    public int MaxReadBytes
    {
        get => _maxReadBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxReadBytes = value;
        }
    }

    /// <summary>How long one <c>read_file</c> or <c>list_directory</c> call may take before it fails. Default <see cref="DefaultFileTimeout"/>.</summary>
    public TimeSpan FileTimeout
    {
        get => _fileTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _fileTimeout = value;
        }
    }
}
