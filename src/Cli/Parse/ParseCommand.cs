using System.CommandLine;
using System.Text.Json;
using ToolFlow.StreamParsers;

namespace ToolFlow.Cli.Parse;

/// <summary>
/// <c>toolflow parse --format NAME [--chunk-size N] [--tools FILE]</c>: reads a model's raw output, or a provider's raw
/// stream body, on standard input and prints one JSON line per parser event.
/// </summary>
/// <remarks>
/// The lines are <c>{"event":"call","index","id","name","arguments":{...},"offset"}</c> for each completed call
/// (<c>offset</c>: the input position, in characters, just past the character that made the call complete),
/// <c>{"event":"text","text"}</c> and <c>{"event":"reasoning","text"}</c> (one line per run),
/// <c>{"event":"aborted","index","reason"}</c> and <c>{"event":"diagnostic","code","message","offset"}</c>. The output
/// is the same whatever the chunk size. Exit codes: 0, or 2 for a usage error (an unknown format, a bad chunk size, a
/// tools file that cannot be read).
/// </remarks>
internal static class ParseCommand
{
    /// <summary>The exit code of a usage error.</summary>
    public const int UsageError = Program.UsageError;

    /// <summary>The largest <c>--chunk-size</c>: the read buffer is that big, so a huge value would allocate gigabytes.</summary>
    public const int MaxChunkSize = 1024 * 1024;

    private const int ReadSize = 16 * 1024;

    public static Command Create()
    {
        var format = new Option<string>("--format")
        {
            Description = "The format of the input: a model's text format (hermes, qwen3_coder, ...) or a provider stream body (openai-chat, openai-responses, anthropic, gemini, ollama, cohere, mistral-chat).",
            Required = true,
        };
        var chunkSize = new Option<int?>("--chunk-size")
        {
            Description = "Feed the parser N characters at a time (default: the input as it arrives). The output does not depend on it.",
        };
        var tools = new Option<string?>("--tools")
        {
            Description = "A JSON file with the tools' schemas, [{\"name\", \"parameters\"}] or the OpenAI shape, for formats that type values from them.",
        };
        var command = new Command("parse", "Read a model's raw output or a provider's raw stream body on stdin and print one JSON line per parser event.")
        {
            format,
            chunkSize,
            tools,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            Console.In,
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            parse.GetValue(format)!,
            parse.GetValue(chunkSize),
            parse.GetValue(tools),
            ToolCallFormatRegistry.Default,
            cancellationToken));
        return command;
    }

    /// <summary>Runs the command: reads <paramref name="input"/> to its end and writes the events to <paramref name="output"/>.</summary>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(
        TextReader input,
        TextWriter output,
        TextWriter error,
        string format,
        int? chunkSize,
        string? toolsPath,
        ToolCallFormatRegistry registry,
        CancellationToken cancellationToken)
    {
        if (!registry.TryGetFactory(format, out Func<ToolCallParserOptions, ToolCallTextParser>? factory))
        {
            await error.WriteLineAsync($"toolflow parse: there is no format named '{format}'. The formats are: {string.Join(", ", registry.Names)}.").ConfigureAwait(false);
            return UsageError;
        }

        if (chunkSize is < 1 or > MaxChunkSize)
        {
            await error.WriteLineAsync($"toolflow parse: --chunk-size must be from 1 to {MaxChunkSize} characters (got {chunkSize}).").ConfigureAwait(false);
            return UsageError;
        }

        Dictionary<string, JsonElement>? schemas = null;
        if (toolsPath is not null)
        {
            try
            {
                schemas = ToolSchemaFile.Parse(await File.ReadAllTextAsync(toolsPath, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                await error.WriteLineAsync($"toolflow parse: cannot read the tools file '{toolsPath}': {ex.Message}").ConfigureAwait(false);
                return UsageError;
            }
        }

        ToolCallTextParser parser = factory(new ToolCallParserOptions { ToolSchemas = schemas });
        var events = new ParseEventWriter(output);
        char[] buffer = new char[Math.Max(chunkSize ?? 0, ReadSize)];
        int pending = 0;
        int read;
        while ((read = await input.ReadAsync(buffer.AsMemory(pending), cancellationToken).ConfigureAwait(false)) > 0)
        {
            pending += read;
            int fed = 0;
            if (chunkSize is int size)
            {
                for (; pending - fed >= size; fed += size)
                {
                    parser.Append(buffer.AsSpan(fed, size), events);
                }

                buffer.AsSpan(fed, pending - fed).CopyTo(buffer);
                pending -= fed;
            }
            else
            {
                parser.Append(buffer.AsSpan(0, pending), events);
                pending = 0;
            }

            await events.FlushAsync(final: false, cancellationToken).ConfigureAwait(false);
        }

        // The last, shorter chunk.
        parser.Append(buffer.AsSpan(0, pending), events);
        parser.Complete(events);
        await events.FlushAsync(final: true, cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
