using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using ToolFlow.Blocks;

namespace ToolFlow.Tools;

/// <summary>
/// The local tools <c>toolflow run</c> and the chat sample offer a model, all read-only so they start the moment their call is
/// complete: the current time (from the injected <see cref="TimeProvider"/>), a calculator, and reading files and
/// listing folders under one root folder (the working directory unless <c>--root</c> says otherwise).
/// </summary>
public sealed class BuiltInTools
{
    /// <summary>The most characters <c>read_file</c> returns in one call.</summary>
    public const int MaxReadChars = 100_000;

    private const int DefaultReadChars = 20_000;
    private const int MaxListEntries = 500;

    private readonly TimeProvider _timeProvider;
    private readonly string _root;

    /// <summary>Initializes the tools.</summary>
    /// <param name="timeProvider">The clock <c>current_time</c> reads.</param>
    /// <param name="root">The folder the file tools may read under.</param>
    public BuiltInTools(TimeProvider timeProvider, string root)
    {
        _timeProvider = timeProvider;
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
    }

    /// <summary>The tools, each declared read-only.</summary>
    /// <returns>The descriptors.</returns>
    public IReadOnlyList<ToolDescriptor> Create() =>
    [
        Describe(CurrentTime, "current_time", "The current date and time, in UTC and optionally in a time zone."),
        Describe(Calculate, "calculate", "Evaluates an arithmetic expression exactly, e.g. '2 * (3 + 4) ^ 2' or 'sqrt(2) / 3'. Supports + - * / % ^, parentheses, pi, e, sqrt, abs, round, floor, ceil, exp, ln, log10, log2, sin, cos, tan, asin, acos, atan, min, max, pow."),
        Describe(ReadFile, "read_file", "Reads a local text file under the working folder and returns its text (long files are cut)."),
        Describe(ListDirectory, "list_directory", "Lists the files and folders in a local folder under the working folder; folders end with '/'."),
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
    /// <returns>The text, cut to <paramref name="maxChars"/> with a note when longer.</returns>
    public async Task<string> ReadFile(
        [Description("The file's path, relative to the working folder.")] string path,
        [Description("The most characters to return; default 20000, at most 100000.")] int? maxChars = null,
        CancellationToken cancellationToken = default)
    {
        string full = Resolve(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException(Directory.Exists(full) ? $"'{path}' is a folder, not a file; list it with list_directory." : $"There is no file '{path}'.");
        }

        int limit = Math.Clamp(maxChars ?? DefaultReadChars, 1, MaxReadChars);
        char[] buffer = new char[limit + 1];
        int read = 0;
        using (var reader = new StreamReader(full, Encoding.UTF8, detectEncodingFromByteOrderMarks: true))
        {
            int n;
            while (read < buffer.Length && (n = await reader.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
            {
                read += n;
            }
        }

        if (buffer.AsSpan(0, Math.Min(read, 8192)).Contains('\0'))
        {
            throw new InvalidDataException($"'{path}' is a binary file, not text.");
        }

        return read <= limit
            ? new string(buffer, 0, read)
            : $"{new string(buffer, 0, limit)}\n[... cut at {limit} characters; the file is {new FileInfo(full).Length} bytes]";
    }

    /// <summary>Lists a folder under the root.</summary>
    /// <param name="path">The folder, relative to the root.</param>
    /// <returns>One entry per line, folders with a trailing slash.</returns>
    public string ListDirectory([Description("The folder's path, relative to the working folder; '.' for the working folder itself.")] string path = ".")
    {
        string full = Resolve(path);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"There is no folder '{path}'.");
        }

        var entries = new DirectoryInfo(full).EnumerateFileSystemInfos()
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => e is DirectoryInfo ? e.Name + "/" : e.Name)
            .Take(MaxListEntries + 1)
            .ToList();
        if (entries.Count == 0)
        {
            return "(empty folder)";
        }

        return entries.Count > MaxListEntries
            ? string.Join('\n', entries.Take(MaxListEntries)) + $"\n[... more than {MaxListEntries} entries]"
            : string.Join('\n', entries);
    }

    private static ToolDescriptor Describe(Delegate method, string name, string description) =>
        new(AIFunctionFactory.Create(method, new AIFunctionFactoryOptions { Name = name, Description = description }), ToolEffects.ReadOnly);

    /// <summary>The full path of <paramref name="path"/>, which must be under the root, links included.</summary>
    private string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(Path.Combine(_root, path));
        if (!IsUnderRoot(full))
        {
            throw new UnauthorizedAccessException($"'{path}' is outside the folder the tools may read ({_root}).");
        }

        FileSystemInfo info = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full);
        if (info.Exists && info.ResolveLinkTarget(returnFinalTarget: true) is { } target && !IsUnderRoot(Path.GetFullPath(target.FullName)))
        {
            throw new UnauthorizedAccessException($"'{path}' links outside the folder the tools may read ({_root}).");
        }

        return full;
    }

    private bool IsUnderRoot(string full) =>
        string.Equals(full, _root, StringComparison.Ordinal) ||
        full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ||
        _root == Path.GetPathRoot(_root);
}
