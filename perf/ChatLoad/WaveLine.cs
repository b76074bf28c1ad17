namespace ToolFlow.ChatLoad;

/// <summary>Prints a line per wave to stderr as it ends, on the caller's thread (so lines come in order, before the report).</summary>
internal sealed class WaveLine : IProgress<WaveResult>
{
    public void Report(WaveResult value) => Console.Error.WriteLine(
        $"wave {value.Number}: {value.Readers.Count} readers, {value.Stalled.Count} long ({(value.Stalling ? "stalled" : "read")}), {value.All.Sum(s => s.Events)} events, {value.All.Sum(s => s.Errors.Count)} broken, {value.Duration.TotalSeconds:0.0} s");
}
