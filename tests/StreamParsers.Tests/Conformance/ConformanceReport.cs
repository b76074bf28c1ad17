using System.Collections.Concurrent;

namespace ToolFlow.StreamParsers.Tests;

/// <summary>Collects pass counts per format and writes them where <c>./test.sh</c> prints them.</summary>
internal static class ConformanceReport
{
    private static readonly ConcurrentDictionary<string, (int Passed, int Total)> s_counts = new(StringComparer.Ordinal);

    public static void Record(string format, int passed, int total)
    {
        s_counts[format] = (passed, total);
        string path = Path.Combine(AppContext.BaseDirectory, "conformance-report.txt");
        lock (s_counts)
        {
            File.WriteAllLines(path, s_counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key,-20} {p.Value.Passed,4}/{p.Value.Total,-4}"));
        }
    }
}
