using System.Globalization;
using ToolFlow.ChatLoad;

// N concurrent conversations through ToolFlow.AspNetCore on loopback, each read by its own SSE client, in waves, then
// a wave where some clients stop reading: checks every stream and reports delivery lag and server memory.
// Usage: dotnet run -c Release --project perf/ChatLoad [-- --conversations N] [--waves W] [--stalled S] [--messages M]
//        [--timeout SECONDS] [--out FILE]
var options = new ChatLoadOptions();
string? output = Directory.Exists("perf/results") ? "perf/results/chat-load.md" : null;
for (int i = 0; i < args.Length; i++)
{
    string? value = i + 1 < args.Length ? args[i + 1] : null;
    bool number = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n);
    switch (args[i])
    {
        case "--conversations" when number && n >= 1:
            options.Conversations = n;
            break;
        case "--waves" when number:
            options.Waves = n;
            break;
        case "--stalled" when number:
            options.Stalled = n;
            break;
        case "--messages" when number && n >= 1:
            options.MessagesPerConversation = n;
            break;
        case "--timeout" when number && n >= 1:
            options.Timeout = TimeSpan.FromSeconds(n);
            break;
        case "--out" when value is not null:
            output = value;
            break;
        default:
            Console.Error.WriteLine("Usage: ToolFlow.ChatLoad [--conversations N (>= 1)] [--waves W] [--stalled S (<= N)] [--messages M (>= 1)] [--timeout SECONDS (>= 1)] [--out FILE]");
            return 2;
    }

    i++;
}

if (options.Stalled > options.Conversations)
{
    Console.Error.WriteLine($"--stalled {options.Stalled} is more than --conversations {options.Conversations}.");
    return 2;
}

string command = "dotnet run -c Release --project perf/ChatLoad" + (args.Length > 0 ? " -- " + string.Join(' ', args) : string.Empty);
using var deadline = new CancellationTokenSource(options.Timeout);
var progress = new WaveLine();
ChatLoadResult result;
try
{
    // The deadline cancels every request; WaitAsync also bounds a hang that ignores cancellation.
    result = await ChatLoadRunner.RunAsync(options, progress, deadline.Token).WaitAsync(options.Timeout + TimeSpan.FromSeconds(10));
}
catch (Exception e) when (e is OperationCanceledException or TimeoutException)
{
    Console.Error.WriteLine($"The load did not finish within {options.Timeout.TotalSeconds:0} s.");
    return 1;
}

string report = ChatLoadReport.Write(result, command);
Console.WriteLine(report);
if (output is not null)
{
    await File.WriteAllTextAsync(output, report);
    Console.Error.WriteLine($"Written to {output}.");
}

return result.Failures.Count == 0 ? 0 : 1;
