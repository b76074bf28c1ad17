using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Tools;

/// <summary>
/// The local tools <c>toolflow run</c> and the chat sample offer a model, all read-only so they start the moment their call is
/// complete: the current time (from the injected <see cref="TimeProvider"/>), a calculator, and reading files and
/// listing folders under one root folder (see <see cref="BuiltInToolsOptions"/>).
/// </summary>
/// <remarks>
/// Every path a model gives is resolved through links at every level and must lead inside the resolved root; FIFOs,
/// devices and sockets are refused without being opened; dot-files and common secret files are left out unless
/// <see cref="BuiltInToolsOptions.AllowHidden"/>. A refusal is the tool's error, which the model sees as the call's result.
/// </remarks>
public sealed class BuiltInTools
{
    /// <summary>The most characters <c>read_file</c> returns in one call.</summary>
    public const int MaxReadChars = 100_000;

    /// <summary>The most entries <c>list_directory</c> returns in one call.</summary>
    public const int MaxListEntries = 500;

    private const int DefaultReadChars = 20_000;

    private readonly TimeProvider _timeProvider;
    private readonly string _root;
    private readonly bool _allowHidden;
    private readonly int _maxReadBytes;
    private readonly TimeSpan _fileTimeout;

    /// <summary>Initializes the tools with the default limits, hiding dot-files and secret files.</summary>
    /// <param name="timeProvider">The clock <c>current_time</c> reads.</param>
    /// <param name="root">The folder the file tools may read under.</param>
    public BuiltInTools(TimeProvider timeProvider, string root)
        : this(timeProvider, new BuiltInToolsOptions { Root = root })
    {
    }

    /// <summary>Initializes the tools.</summary>
    /// <param name="timeProvider">The clock <c>current_time</c> reads and the file tools' timeout runs on.</param>
    /// <param name="options">The root and the file tools' limits; copied.</param>
    public BuiltInTools(TimeProvider timeProvider, BuiltInToolsOptions options)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(options);
        _timeProvider = timeProvider;

        // The root itself may be (or pass through) a link: compare against where it really is.
        _root = Path.TrimEndingDirectorySeparator(RootedPath.Resolve(Path.GetFullPath(options.Root)));
        _allowHidden = options.AllowHidden;
        _maxReadBytes = options.MaxReadBytes;
        _fileTimeout = options.FileTimeout;
    }

    /// <summary>The tools, each declared read-only.</summary>
    /// <returns>The descriptors.</returns>
    public IReadOnlyList<ToolDescriptor> Create() =>
    [
        Describe(CurrentTime, "current_time", "The current date and time, in UTC and optionally in a time zone."),
        Describe(Calculate, "calculate", "Evaluates an arithmetic expression exactly, e.g. '2 * (3 + 4) ^ 2' or 'sqrt(2) / 3'. Supports + - * / % ^, parentheses, pi, e, sqrt, abs, round, floor, ceil, exp, ln, log10, log2, sin, cos, tan, asin, acos, atan, min, max, pow."),
        Describe(ReadFile, "read_file", "Reads a local text file under the working folder and returns its text (long files are cut). Dot-files and secret files (.env, keys, credentials) are not readable unless the user allowed them."),
        Describe(ListDirectory, "list_directory", "Lists the files and folders in a local folder under the working folder; folders end with '/'. Dot-files and secret files are left out unless the user allowed them."),
    ];

    /// <summary>The current time.</summary>
    /// <param name="timeZone">An IANA or Windows time zone id.</param>
    /// <returns>The time, in UTC and in the zone.</returns>
    public string CurrentTime([Description("An IANA time zone such as 'Europe/Oslo' or 'America/New_York'; omit for UTC only.")] string? timeZone = null)
    {
        DateTimeOffset now = _timeProvider.GetUtcNow();
        string utc = now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z' (dddd)", CultureInfo.InvariantCulture);
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            return utc;
        }

        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone.Trim());
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ArgumentException($"Unknown time zone '{timeZone}'. Use an IANA id such as 'Europe/Oslo'.", nameof(timeZone), e);
        }

        DateTimeOffset local = TimeZoneInfo.ConvertTime(now, zone);
        return $"{local.ToString("yyyy-MM-dd'T'HH:mm:sszzz (dddd)", CultureInfo.InvariantCulture)} in {zone.Id}; {utc}";
    }

    /// <summary>Evaluates arithmetic.</summary>
    /// <param name="expression">The expression.</param>
    /// <returns>The value.</returns>
    public static string Calculate([Description("The arithmetic expression.")] string expression) =>
        Calculator.Format(Calculator.Evaluate(expression));

    /// <summary>Reads a text file under the root.</summary>
    /// <param name="path">The file, relative to the root or absolute under it.</param>
    /// <param name="maxChars">The most characters to return.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The text, cut to <paramref name="maxChars"/> characters or the options' byte cap, with a note when cut.</returns>
    public async Task<string> ReadFile(
        [Description("The file's path, relative to the working folder.")] string path,
        [Description("The most characters to return; default 20000, at most 100000.")] int? maxChars = null,
        CancellationToken cancellationToken = default)
    {
        string full = Resolve(path);
        switch (FileKind.Of(full))
        {
            case FileKind.Kind.Missing:
                throw new FileNotFoundException($"There is no file '{Shown(path)}'.");
            case FileKind.Kind.Directory:
                throw new FileNotFoundException($"'{Shown(path)}' is a folder, not a file; list it with list_directory.");
            case FileKind.Kind.Special:
                throw new UnauthorizedAccessException($"'{Shown(path)}' is not a regular file (a FIFO, device or socket); it is not read.");
        }

        using var timeout = new CancellationTokenSource(_fileTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        byte[] bytes = new byte[_maxReadBytes + 1];
        int length = 0;
        long size;
        try
        {
            // The path has no links left in it and names a regular file, so this open neither escapes the root nor blocks.
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
            size = stream.Length;

            // What the model made the tool read, for the person watching the run (toolflow run prints it for the call).
            ToolProgress.Current?.Report(new ToolProgressUpdate(null, null, $"reads {Shown(full)} ({size} bytes)"));
            int n;
            while (length < bytes.Length && (n = await stream.ReadAsync(bytes.AsMemory(length), linked.Token).ConfigureAwait(false)) > 0)
            {
                length += n;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Reading '{Shown(path)}' took longer than {_fileTimeout.TotalSeconds:0.###} s.");
        }

        bool cutBytes = length > _maxReadBytes;
        length = Math.Min(length, _maxReadBytes);
        if (bytes.AsSpan(0, Math.Min(length, 8192)).Contains((byte)0))
        {
            throw new InvalidDataException($"'{Shown(path)}' is a binary file, not text.");
        }

        int limit = Math.Clamp(maxChars ?? DefaultReadChars, 1, MaxReadChars);
        char[] chars = new char[limit + 1];
        int read = 0;
        using (var reader = new StreamReader(new MemoryStream(bytes, 0, length), Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            int n;
            while (read < chars.Length && (n = reader.Read(chars, read, chars.Length - read)) > 0)
            {
                read += n;
            }
        }

        return read > limit
            ? $"{new string(chars, 0, limit)}\n[... cut at {limit} characters; the file is {size} bytes]"
            : cutBytes
                ? $"{new string(chars, 0, read)}\n[... cut at {_maxReadBytes} bytes; the file is {size} bytes]"
                : new string(chars, 0, read);
    }

    /// <summary>Lists a folder under the root.</summary>
    /// <param name="path">The folder, relative to the root.</param>
    /// <returns>One entry per line, folders with a trailing slash; hidden entries left out unless allowed.</returns>
    public string ListDirectory([Description("The folder's path, relative to the working folder; '.' for the working folder itself.")] string path = ".")
    {
        string full = Resolve(path);
        if (FileKind.Of(full) != FileKind.Kind.Directory)
        {
            throw new DirectoryNotFoundException($"There is no folder '{Shown(path)}'.");
        }

        long deadline = _timeProvider.GetTimestamp();
        var names = new List<string>();
        int hidden = 0;
        foreach (FileSystemInfo entry in new DirectoryInfo(full).EnumerateFileSystemInfos())
        {
            if (_timeProvider.GetElapsedTime(deadline) > _fileTimeout)
            {
                throw new TimeoutException($"Listing '{Shown(path)}' took longer than {_fileTimeout.TotalSeconds:0.###} s.");
            }

            if (!_allowHidden && SecretNames.IsHidden(entry.Name))
            {
                hidden++;
                continue;
            }

            // A name with control characters is shown escaped; the model cannot ask for it back (Resolve refuses it).
            names.Add(Shown(entry.Name) + (entry is DirectoryInfo ? "/" : string.Empty));
        }

        names.Sort(StringComparer.Ordinal);
        ToolProgress.Current?.Report(new ToolProgressUpdate(null, null, $"lists {Shown(full)} ({names.Count} {(names.Count == 1 ? "entry" : "entries")})"));
        string note = hidden == 0 ? string.Empty : $"\n[{hidden} hidden or secret {(hidden == 1 ? "entry" : "entries")} not listed]";
        if (names.Count == 0)
        {
            return "(empty folder)" + note;
        }

        return names.Count > MaxListEntries
            ? string.Join('\n', names.Take(MaxListEntries)) + $"\n[... more than {MaxListEntries} entries]" + note
            : string.Join('\n', names) + note;
    }

    private static ToolDescriptor Describe(Delegate method, string name, string description) =>
        new(AIFunctionFactory.Create(method, new AIFunctionFactoryOptions { Name = name, Description = description }), ToolEffects.ReadOnly);

    /// <summary>Text from the file system or the model, with control characters escaped, for messages the model reads.</summary>
    private static string Shown(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (char c in text)
        {
            _ = char.IsControl(c) ? builder.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}") : builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>
    /// Where <paramref name="path"/> really leads, every link at every level followed: it must be inside the resolved
    /// root, and (unless allowed) neither the path asked for nor where it leads may pass through a hidden or secret name.
    /// </summary>
    private string Resolve(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("The path is empty; use '.' for the working folder.", nameof(path));
        }

        if (path.Any(char.IsControl))
        {
            throw new ArgumentException($"The path '{Shown(path)}' contains control characters; it is not read.", nameof(path));
        }

        string asked = Path.IsPathFullyQualified(path) ? path : Path.Join(_root, path);
        string full;
        try
        {
            full = RootedPath.Resolve(asked);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnauthorizedAccessException($"'{path}' cannot be resolved: {e.Message}.", e);
        }

        if (!RootedPath.IsUnder(full, _root))
        {
            throw new UnauthorizedAccessException(RootedPath.IsUnder(Path.GetFullPath(asked), _root)
                ? $"'{path}' links outside the folder the tools may read ({_root})."
                : $"'{path}' is outside the folder the tools may read ({_root}).");
        }

        if (!_allowHidden)
        {
            string? secret = Path.IsPathFullyQualified(path) ? null : SecretNames.FirstHidden(path);
            secret ??= SecretNames.FirstHidden(Path.GetRelativePath(_root, full));
            if (secret is not null)
            {
                throw new UnauthorizedAccessException($"'{path}' is a hidden or secret file ('{secret}'); the tools do not read those unless allowed (toolflow run --allow-hidden).");
            }
        }

        return full;
    }
}
