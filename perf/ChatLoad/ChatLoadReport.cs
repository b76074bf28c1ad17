using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;

namespace ToolFlow.ChatLoad;

/// <summary>Writes a load run as markdown: the command, the machine, a row per wave, the stalled clients, the verdict.</summary>
public static class ChatLoadReport
{
    /// <summary>The report.</summary>
    /// <param name="result">The run.</param>
    /// <param name="command">The command line that ran it.</param>
    /// <returns>Markdown.</returns>
    public static string Write(ChatLoadResult result, string command)
    {
        ArgumentNullException.ThrowIfNull(result);
        ChatLoadOptions o = result.Options;
        var md = new StringBuilder();
        IFormatProvider c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"# Chat load: {o.Conversations} concurrent SSE conversations on loopback");
        md.AppendLine();
        md.AppendLine(c, $"Command: `{command}`");
        md.AppendLine();
        md.AppendLine(c, $"Machine: {Cpu()}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC; {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC; the whole run took {result.Elapsed.TotalSeconds:0.0} s; load average at the end {LoadAverage()} (the machine is shared).");
        md.AppendLine();
        md.AppendLine(c, $"""
            ToolFlow.AspNetCore on Kestrel at 127.0.0.1 in the same process as the clients, on the scripted model (real clock: {o.TimeToFirstToken.TotalMilliseconds:0} ms to first token, {o.TokensPerSecond:0} tokens/s). Each conversation is created by POST and read by its own `HttpClient` (its own connections) from its snapshot on; it gets {o.MessagesPerConversation} user messages, the next sent when a run completes; each run is a turn of text with three read-only tool calls ({o.ToolDelay.TotalMilliseconds:0} ms each, one reporting progress) started mid-decode, then an answer. Clean waves: every client reads. Then two waves of {o.Conversations - o.Stalled} such conversations and {o.Stalled} long ones ({o.StalledAnswerWords} words answered at {o.StalledTokensPerSecond:0} tokens/s), each long one with a second client (its witness) that sends its next message: in the control wave every client reads; in the stalled wave the long conversations' own clients stop reading at their first `toolCallStarted` (connection kept, nothing read) and read again once every other client is done. `ClientBufferCapacity` {o.ClientBufferCapacity}; Kestrel response buffer {Bytes(o.ServerResponseBufferSize)}, server socket send buffer {Bytes(o.ServerSendBufferSize)}, client receive buffer {Bytes(o.ClientReceiveBufferSize)} (small and fixed, so a stalled client's backlog soon reaches the library's bounded buffer instead of Kestrel's 64 KiB and kernel buffers autotuned to megabytes); Kestrel's minimum response data rate off (with the default, a write pending longer than 5 s plus its size at 240 B/s ends the connection; the stalls here last a few seconds, so it keeps the stalled clients connected whatever the machine's speed). Each wave's conversations are deleted at its end.

            Lag = the client's receive time minus the event's `timestamp` (the pipeline's clock; same process, same clock), over every live event the readers got. Memory: the managed heap after a full collection (`GC.GetTotalMemory(true)`) and the process working set, read after the wave's clients closed and conversations were deleted; baseline after start-up: heap {Mb(result.Baseline.ManagedHeapBytes)}, working set {Mb(result.Baseline.WorkingSetBytes)}.
            """);
        md.AppendLine();
        md.AppendLine("| wave | readers | long (own client) | events received | lost or reordered | runs completed | lag p50 | lag p99 | lag max | heap after | working set after | wave time |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (WaveResult wave in result.Waves)
        {
            LagSummary lag = wave.ReaderLag;
            int events = wave.All.Sum(s => s.Events);
            int broken = wave.All.Sum(s => s.Errors.Count);
            int runs = wave.Readers.Concat(wave.Witnesses).Sum(s => s.RunsCompleted);
            int expected = (wave.Readers.Count + wave.Witnesses.Count) * o.MessagesPerConversation;
            md.AppendLine(c, $"| {wave.Number}{(wave.Stalled.Count == 0 ? string.Empty : wave.Stalling ? " stalled" : " control")} | {wave.Readers.Count} | {wave.Stalled.Count}{(wave.Stalled.Count == 0 ? string.Empty : wave.Stalling ? " stalled" : " reading")} | {events:N0} | {broken} | {runs} of {expected} | {lag.P50Ms:0.0} ms | {lag.P99Ms:0.0} ms | {lag.MaxMs:0.0} ms | {Mb(wave.After.ManagedHeapBytes)} | {Mb(wave.After.WorkingSetBytes)} | {wave.Duration.TotalSeconds:0.0} s |");
        }

        md.AppendLine();
        if (result.StalledWave is { } stalledWave)
        {
            IReadOnlyList<StreamOutcome> stalled = stalledWave.Stalled;
            MemorySample held = stalledWave.WhileStalled!;
            LagSummary controlLag = result.ControlWave?.ReaderLag ?? new LagSummary(0, 0, 0, 0);
            md.AppendLine(c, $"Stalled clients: {stalled.Count(s => s.Lagged > 0)} of {stalled.Count} were sent `lagged` then a snapshot when they read again ({stalled.Sum(s => s.Skipped):N0} events skipped in all, {stalled.Sum(s => s.Events):N0} received); {stalled.Count(s => s.Errors.Count == 0 && s.RunsCompleted >= o.MessagesPerConversation)} ended with the whole conversation. Their witnesses: {stalledWave.Witnesses.Sum(s => s.Events):N0} events, {stalledWave.Witnesses.Sum(s => s.Errors.Count)} lost or reordered, {stalledWave.Witnesses.Count(s => s.Lagged > 0)} fell behind (in the control wave: {result.ControlWave?.Witnesses.Count(s => s.Lagged > 0) ?? 0}; a witness reads a long answer at about {o.StalledTokensPerSecond:0} events/s, so its buffer covers about {o.ClientBufferCapacity / o.StalledTokensPerSecond:0.0} s of a starved machine); lag p50 {stalledWave.WitnessLag.P50Ms:0.0} ms, p99 {stalledWave.WitnessLag.P99Ms:0.0} ms. The {stalledWave.Readers.Count} readers' lag with the stalled clients: p50 {stalledWave.ReaderLag.P50Ms:0.0} ms, p99 {stalledWave.ReaderLag.P99Ms:0.0} ms; in the control wave: p50 {controlLag.P50Ms:0.0} ms, p99 {controlLag.P99Ms:0.0} ms.");
            md.AppendLine();
            if (result.ControlWave?.WhileStalled is { } read)
            {
                double perClient = (held.ManagedHeapBytes - read.ManagedHeapBytes) / (double)Math.Max(1, stalled.Count);
                md.AppendLine(c, $"Memory at the same point of both waves (every other client done, the long conversations over, nothing deleted yet): heap {Mb(held.ManagedHeapBytes)} with the {stalled.Count} clients stalled, {Mb(read.ManagedHeapBytes)} with them reading ({perClient / 1024:0} KiB per stalled client; the bound is {o.ClientBufferCapacity} buffered events); working set {Mb(held.WorkingSetBytes)} and {Mb(read.WorkingSetBytes)}.");
                md.AppendLine();
            }
        }

        IReadOnlyList<string> failures = result.Failures;
        md.AppendLine(failures.Count == 0
            ? "Verdict: pass. Every reader got every event in order from its snapshot on, every run ended with `runCompleted`, every stalled client was told it fell behind and resynced, and no client saw an event lost or out of order."
            : $"Verdict: FAIL ({failures.Count} broken rule(s)); the first:");
        foreach (string failure in failures.Take(20))
        {
            md.AppendLine(c, $"- {failure}");
        }

        return md.ToString();
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.0} MB");

    private static string Bytes(int bytes) => bytes == 0 ? "kernel default" : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB");

    private static string LoadAverage()
    {
        const string Path = "/proc/loadavg";
        return File.Exists(Path) ? string.Join(' ', File.ReadAllText(Path).Split(' ').Take(3)) : "unknown";
    }

    private static string Cpu()
    {
        const string Path = "/proc/cpuinfo";
        string? model = File.Exists(Path) ? File.ReadLines(Path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return model is null ? RuntimeInformation.ProcessArchitecture.ToString() : model[(model.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
