using BenchmarkDotNet.Running;

namespace ToolFlow.Benchmarks;

/// <summary>Runs the benchmark suites: <c>dotnet run -c Release --project perf/Benchmarks -- --filter *</c>.</summary>
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
