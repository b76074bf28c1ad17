using System.CommandLine;
using System.Text;
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
/// <c>{"event":"text","text"}</c> and <c>{"event":"reasoning","text"}</c> (one line per run, cut into lines of at
/// most <see cref="ParseEventWriter.MaxTextLength"/> characters), <c>{"event":"aborted","index","reason"}</c> and
/// <c>{"event":"diagnostic","code","message","offset"}</c>. The input is UTF-8: an invalid sequence reads as U+FFFD
/// and gets an <see cref="InvalidUtf8"/> diagnostic with its byte offset. The output is the same whatever the chunk
/// size, and memory does not grow with the input. Exit codes: 0, or 2 for a usage error (an unknown format, a bad chunk size, a
/// tools file that cannot be read).
/// </remarks>
internal static class ParseCommand
{
    /// <summary>The exit code of a usage error.</summary>
    public const int UsageError = Program.UsageError;

    /// <summary>The largest <c>--chunk-size</c>: the read buffer is that big, so a huge value would allocate gigabytes.</summary>
    public const int MaxChunkSize = 1024 * 1024;

    /// <summary>The code of the diagnostic for an invalid UTF-8 sequence in the input.</summary>
    public const string InvalidUtf8 = "input-invalid-utf8";

    /// <summary>How many invalid UTF-8 sequences get a diagnostic each; later ones are still replaced with U+FFFD.</summary>
    public const int MaxInvalidUtf8Reports = 100;

    private const int ReadSize = 16 * 1024;

    // A tools file with a stray byte would otherwise change a tool's name or schema without a word.
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

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
            Console.OpenStandardInput(),
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
        Stream input,
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
                byte[] file = await File.ReadAllBytesAsync(toolsPath, cancellationToken).ConfigureAwait(false);
                int bom = file.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
                try
                {
                    schemas = ToolSchemaFile.Parse(s_strictUtf8.GetString(file, bom, file.Length - bom));
                }
                catch (DecoderFallbackException ex)
                {
                    throw new FormatException($"not valid UTF-8 at byte {bom + ex.Index}.", ex);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                await error.WriteLineAsync($"toolflow parse: cannot read the tools file '{toolsPath}': {ex.Message}").ConfigureAwait(false);
                return UsageError;
            }
        }

        ToolCallTextParser parser = factory(new ToolCallParserOptions { ToolSchemas = schemas });
        var events = new ParseEventWriter(output);
        var feeder = new ChunkFeeder(parser, events, chunkSize);
        var decoder = new Utf8InputDecoder();
        var invalid = new List<Utf8InputDecoder.Invalid>();
        byte[] bytes = new byte[ReadSize];
        char[] chars = new char[Utf8InputDecoder.MaxCharCount(bytes.Length)];
        int reported = 0;
        bool final = false;
        while (!final)
        {
            int read = await input.ReadAsync(bytes, cancellationToken).ConfigureAwait(false);
            final = read == 0;
            invalid.Clear();
            int count = decoder.Decode(bytes.AsSpan(0, read), final, chars, invalid);
            int done = 0;
            foreach (Utf8InputDecoder.Invalid bad in invalid)
            {
                // The parser takes the text up to and including the U+FFFD, then hears of it: the same place in the
                // output whatever the chunk size.
                feeder.Feed(chars.AsSpan(done, bad.CharIndex + 1 - done));
                feeder.Cut();
                done = bad.CharIndex + 1;
                if (reported++ < MaxInvalidUtf8Reports)
                {
                    string more = reported == MaxInvalidUtf8Reports ? " Later invalid sequences read as U+FFFD too, without a report." : string.Empty;
                    events.OnDiagnostic(new ParserDiagnostic(
                        InvalidUtf8,
                        $"The input is not valid UTF-8 at byte {bad.ByteOffset} ({bad.Bytes}); it reads as U+FFFD.{more}",
                        parser.Position - 1));
                }
            }

            feeder.Feed(chars.AsSpan(done, count - done));
            await events.FlushAsync(final: false, cancellationToken).ConfigureAwait(false);
        }

        // The last, shorter chunk.
        feeder.Cut();
        parser.Complete(events);
        await events.FlushAsync(final: true, cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
