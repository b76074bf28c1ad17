using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.Extensions.AI;
using System.Runtime.CompilerServices;
using ToolFlow.Blocks;
using ToolFlow.Ledger.Sqlite;
using ToolFlow.Pipeline;
using ToolFlow.Profiling;
using ToolFlow.Providers.Mcp;
using ToolFlow.Providers.OpenAI;
using ToolFlow.Tools;

namespace ToolFlow.Cli.Run;

/// <summary>
/// <c>toolflow run --endpoint URL --model NAME [--api-key KEY] [--mcp "COMMAND ARGS"]... [--ledger FILE [--run-id ID]] PROMPT</c>
/// or <c>... --ledger FILE --resume RUN</c>: a conversation with
/// a real OpenAI-compatible server (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp's server), with built-in local tools
/// and the tools of any MCP servers named, streamed to the terminal as it happens.
/// </summary>
/// <remarks>
/// Exit codes: 0 the model answered; 1 the model's response failed (the error is on standard error); 2 a usage
/// error; 3 an MCP server could not be started; 4 the turn limit was reached; 130 cancelled.
/// </remarks>
internal static class RunCommand
{
    public const int ModelFailed = 1;
    public const int UsageError = Program.UsageError;
    public const int McpFailed = 3;
    public const int TurnLimitReached = 4;
    public const int Cancelled = Program.Cancelled;

    /// <summary>
    /// How long <c>run</c> waits by default for the model server to start answering, and then between pieces of the
    /// answer. A request is tried at most 1 + <c>--max-retries</c> (default 3) times, so a server that accepts the
    /// connection and never answers is reported after 4 × 30 s plus the SDK's back-off (a few seconds).
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long <c>run</c> waits by default for each MCP server's handshake.</summary>
    public static readonly TimeSpan DefaultMcpTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest <c>--timeout</c> or <c>--mcp-timeout</c>: one day.</summary>
    public const double MaxTimeoutSeconds = 24 * 60 * 60;

    /// <summary>The built-in tools that read files, offered only with <c>--root</c>.</summary>
    private static readonly string[] s_fileTools = ["read_file", "list_directory"];

    /// <summary>Starts MCP servers from their command lines; the tests replace it.</summary>
    /// <param name="commandLines">One command line per server.</param>
    /// <param name="cancellationToken">Cancels starting.</param>
    /// <returns>The connected servers.</returns>
    public delegate Task<IReadOnlyList<McpToolSource>> McpStarter(IReadOnlyList<string> commandLines, CancellationToken cancellationToken);

    public static Command Create()
    {
        var endpoint = new Option<string>("--endpoint")
        {
            Description = "The server's OpenAI-compatible API address, e.g. http://localhost:8000/v1 (vLLM), http://localhost:11434/v1 (Ollama), http://localhost:8080/v1 (llama.cpp), https://api.openai.com/v1. An address with no path gets /v1.",
            Required = true,
        };
        var model = new Option<string>("--model") { Description = "The model name the server knows, e.g. gpt-4o-mini or Qwen/Qwen3-8B.", Required = true };
        var apiKey = new Option<string?>("--api-key") { Description = "The API key, sent as a bearer token. Sent only over https, or over http to this machine. Default: $OPENAI_API_KEY for an https endpoint on openai.com (or a subdomain), *.openai.azure.com or *.cognitiveservices.azure.com, else none." };
        var mcp = new Option<string[]>("--mcp") { Description = "An MCP server to start over stdio and take tools from, as one quoted command line, e.g. \"npx -y @modelcontextprotocol/server-filesystem /tmp\". Repeatable." };
        var system = new Option<string?>("--system") { Description = "A system prompt." };
        var maxTurns = new Option<int>("--max-turns") { Description = "The most model turns.", DefaultValueFactory = _ => 10 };
        var temperature = new Option<float?>("--temperature") { Description = "The sampling temperature." };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "The most output tokens per turn." };
        var maxRetries = new Option<int?>("--max-retries") { Description = "How many times a request that fails before the answer starts streaming is retried (default 3)." };
        var timeout = new Option<double>("--timeout")
        {
            Description = $"Seconds to wait for the server to start answering and between pieces of its answer (default {DefaultTimeout.TotalSeconds}); each of the 1 + --max-retries tries waits this long.",
            DefaultValueFactory = _ => DefaultTimeout.TotalSeconds,
        };
        var mcpTimeout = new Option<double>("--mcp-timeout")
        {
            Description = $"Seconds to wait for each MCP server's handshake (default {DefaultMcpTimeout.TotalSeconds}).",
            DefaultValueFactory = _ => DefaultMcpTimeout.TotalSeconds,
        };
        var toolHint = new Option<string[]>("--tool-hint") { Description = $"SERVER/TOOL=WORD, WORD one of {ToolHintOverride.Words}: what an MCP server's tool does, over the server's own hints. A destructive tool waits for the response to end cleanly before it runs. Repeatable." };
        var root = new Option<string?>("--root") { Description = "The folder the read_file and list_directory tools may read under. Without it those tools are not offered." };
        var allowHidden = new Option<bool>("--allow-hidden") { Description = "Let read_file and list_directory see dot-files and common secret files (.env, .git/, .ssh/, *.pem, *.key, id_rsa, credentials, ...); without it they are skipped and refused." };
        var noTools = new Option<bool>("--no-builtin-tools") { Description = "Offer only the MCP servers' tools." };
        var hideReasoning = new Option<bool>("--hide-reasoning") { Description = "Do not print the model's reasoning." };
        var record = new Option<string?>("--record") { Description = "Write the run as a scenario file that toolflow bench --scenario FILE replays: measured first-token time, decode speed, calls and tool latencies." };
        var ledger = new Option<string?>("--ledger") { Description = "Record the run in this ledger file (SQLite; created if missing): every turn and call, for toolflow ledger list|show and --resume." };
        var runId = new Option<string?>("--run-id") { Description = $"The id to record the run under (with --ledger; at most {ToolPipelineRunOptions.MaxIdLength} characters). Default: a new random id, printed at the start." };
        var resume = new Option<string?>("--resume") { Description = "Resume the run of this id from --ledger instead of starting one (no PROMPT): recorded turns are replayed, completed calls are not run again." };
        var prompt = new Argument<string[]>("prompt") { Description = "What to ask; several words are joined with spaces. Not with --resume.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("run", "Talk to a real OpenAI-compatible model with built-in tools and MCP servers; tools start the moment their call is complete.")
        {
            endpoint, model, apiKey, mcp, mcpTimeout, toolHint, system, maxTurns, temperature, maxTokens, maxRetries, timeout, root, allowHidden, noTools, hideReasoning, record, ledger, runId, resume, OtlpExport.CreateOption(), prompt,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            if (StrayOption(parse, prompt) is { } stray)
            {
                string word = TerminalText.OneLine(stray);
                parse.InvocationConfiguration.Error.WriteLine($"toolflow run: unknown option '{word}'. A prompt that starts with '-' goes after --, e.g. toolflow run ... -- \"{word} ...\"");
                return Task.FromResult(UsageError);
            }

            List<ToolHintOverride> hints = [];
            foreach (string hint in parse.GetValue(toolHint) ?? [])
            {
                try
                {
                    hints.Add(ToolHintOverride.Parse(hint));
                }
                catch (FormatException e)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"toolflow run: {TerminalText.OneLine(e.Message)}");
                    return Task.FromResult(UsageError);
                }
            }

            double seconds = parse.GetValue(timeout);
            double mcpSeconds = parse.GetValue(mcpTimeout);
            if (!(seconds > 0 && seconds <= MaxTimeoutSeconds) || !(mcpSeconds > 0 && mcpSeconds <= MaxTimeoutSeconds))
            {
                parse.InvocationConfiguration.Error.WriteLine($"toolflow run: --timeout and --mcp-timeout are seconds above 0 and at most {MaxTimeoutSeconds} (got {seconds} and {mcpSeconds}).");
                return Task.FromResult(UsageError);
            }

            string[] words = parse.GetValue(prompt) ?? [];
            if (LedgerProblem(parse.GetValue(ledger), parse.GetValue(runId), parse.GetValue(resume), words.Length > 0, parse.GetValue(system) is not null) is { } ledgerProblem)
            {
                parse.InvocationConfiguration.Error.WriteLine($"toolflow run: {ledgerProblem}");
                return Task.FromResult(UsageError);
            }

            string address = parse.GetValue(endpoint)!;
            var settings = new RunSettings
            {
                Endpoint = address,
                Model = parse.GetValue(model)!,
                Prompt = string.Join(' ', words),
                ApiKey = parse.GetValue(apiKey) ?? OpenAIEndpoint.DefaultApiKey(address),
                Mcp = parse.GetValue(mcp) ?? [],
                SystemPrompt = parse.GetValue(system),
                MaxTurns = parse.GetValue(maxTurns),
                Temperature = parse.GetValue(temperature),
                MaxTokens = parse.GetValue(maxTokens),
                Timeout = TimeSpan.FromSeconds(seconds),
                McpTimeout = TimeSpan.FromSeconds(mcpSeconds),
                ToolHints = hints,
                MaxRetries = parse.GetValue(maxRetries),
                Root = parse.GetValue(root),
                AllowHidden = parse.GetValue(allowHidden),
                RecordPath = parse.GetValue(record),
                LedgerPath = parse.GetValue(ledger),
                RunId = parse.GetValue(runId),
                ResumeRunId = parse.GetValue(resume),
                BuiltInTools = !parse.GetValue(noTools),
                ShowReasoning = !parse.GetValue(hideReasoning),
                Color = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("NO_COLOR") is null,
            };
            return RunAsync(settings, output, parse.InvocationConfiguration.Error, TimeProvider.System, null, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// What is wrong with the ledger options and the prompt together, or <see langword="null"/>: a new run needs a
    /// prompt; <c>--resume</c> needs <c>--ledger</c> and takes the run's messages from it, so no prompt, system prompt
    /// or <c>--run-id</c>; <c>--run-id</c> needs <c>--ledger</c> and a valid id.
    /// </summary>
    internal static string? LedgerProblem(string? ledgerPath, string? runId, string? resumeRunId, bool hasPrompt, bool hasSystemPrompt)
    {
        if (resumeRunId is not null)
        {
            return ledgerPath is null ? "--resume needs --ledger FILE, the ledger the run was recorded in."
                : runId is not null ? "--resume RUN keeps the run's id; drop --run-id."
                : hasPrompt || hasSystemPrompt ? "--resume continues the recorded conversation; drop the PROMPT and --system."
                : IdProblem("--resume", resumeRunId);
        }

        if (!hasPrompt)
        {
            return "give a PROMPT (or --resume RUN with --ledger FILE).";
        }

        return runId is null ? null
            : ledgerPath is null ? "--run-id names the run in a ledger; give --ledger FILE too."
            : IdProblem("--run-id", runId);

        static string? IdProblem(string option, string id)
        {
            try
            {
                _ = new ToolPipelineRunOptions { RunId = id };
                return null;
            }
            catch (ArgumentException)
            {
                return $"{option} takes an id of 1 to {ToolPipelineRunOptions.MaxIdLength} characters, not blank (got {id.Length} characters).";
            }
        }
    }

    /// <summary>
    /// The first word of the prompt that looks like an option (a mistyped one would otherwise be sent to the model as
    /// part of the question), unless it comes after <c>--</c>; <see langword="null"/> when there is none.
    /// </summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="prompt">The prompt argument.</param>
    /// <returns>The word, or <see langword="null"/>.</returns>
    internal static string? StrayOption(ParseResult parse, Argument<string[]> prompt)
    {
        if (parse.GetResult(prompt) is not { } result)
        {
            return null;
        }

        int separator = -1;
        for (int i = 0; i < parse.Tokens.Count; i++)
        {
            if (parse.Tokens[i].Type == TokenType.DoubleDash)
            {
                separator = i;
                break;
            }
        }

        foreach (Token token in result.Tokens)
        {
            string word = token.Value;
            bool looksLikeOption = word.Length > 1 && word[0] == '-' && !char.IsDigit(word[1]) && word[1] != '.';
            if (looksLikeOption && (separator < 0 || IndexOf(parse.Tokens, token) < separator))
            {
                return word;
            }
        }

        return null;

        static int IndexOf(IReadOnlyList<Token> tokens, Token token)
        {
            for (int i = 0; i < tokens.Count; i++)
            {
                if (ReferenceEquals(tokens[i], token))
                {
                    return i;
                }
            }

            return int.MaxValue;
        }
    }

    /// <summary>Runs the conversation, writing it to <paramref name="output"/> as it happens.</summary>
    /// <param name="settings">What to run.</param>
    /// <param name="output">Where the conversation goes.</param>
    /// <param name="error">Where errors go.</param>
    /// <param name="timeProvider">The clock of the pipeline and of the <c>current_time</c> tool.</param>
    /// <param name="startMcp">Starts MCP servers, or <see langword="null"/> for <see cref="McpToolSource.StartAllAsync"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(RunSettings settings, TextWriter output, TextWriter error, TimeProvider timeProvider, McpStarter? startMcp, CancellationToken cancellationToken)
    {
        if (!OpenAIEndpoint.TryNormalize(settings.Endpoint, out Uri? endpoint))
        {
            await error.WriteLineAsync($"toolflow run: --endpoint must be an http or https address such as http://localhost:8000/v1 (got '{settings.Endpoint}').").ConfigureAwait(false);
            return UsageError;
        }

        if (settings.ApiKey is not null && !OpenAIEndpoint.CanCarryKey(endpoint))
        {
            await error.WriteLineAsync($"toolflow run: an API key is sent only over https or to this machine's own server; {endpoint.Scheme}://{endpoint.Host} is neither. Use https, or drop --api-key.").ConfigureAwait(false);
            return UsageError;
        }

        if (settings.MaxTurns < 1 || settings.MaxTokens is < 1 || settings.Timeout <= TimeSpan.Zero || settings.McpTimeout <= TimeSpan.Zero || settings.MaxRetries is < 0)
        {
            await error.WriteLineAsync("toolflow run: --max-turns, --max-tokens and --timeout must be positive, --max-retries at least 0.").ConfigureAwait(false);
            return UsageError;
        }

        if (settings.BuiltInTools && settings.Root is not null && !Directory.Exists(settings.Root))
        {
            await error.WriteLineAsync($"toolflow run: the --root folder '{settings.Root}' does not exist.").ConfigureAwait(false);
            return UsageError;
        }

        if (settings.RecordPath is { } recordPath && OutputFile.Problem(recordPath) is { } problem)
        {
            await error.WriteLineAsync($"toolflow run: cannot write --record to '{recordPath}': {problem}.").ConfigureAwait(false);
            return UsageError;
        }

        (SqliteToolCallLedger? ledger, string? ledgerProblem) = await OpenLedgerAsync(settings, cancellationToken).ConfigureAwait(false);
        if (ledgerProblem is not null)
        {
            await error.WriteLineAsync($"toolflow run: {ledgerProblem}").ConfigureAwait(false);
            return UsageError;
        }

        IReadOnlyList<McpToolSource> servers = [];
        if (settings.Mcp.Count > 0)
        {
            try
            {
                startMcp ??= (lines, ct) => McpToolSource.StartAllAsync(
                    [.. lines.Select(line =>
                    {
                        McpToolSourceOptions options = McpToolSourceOptions.FromCommandLine(line);
                        options.InitializationTimeout = settings.McpTimeout;
                        return options;
                    })],
                    ct);
                servers = await startMcp(settings.Mcp, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await error.WriteLineAsync($"toolflow run: could not start the MCP server{(settings.Mcp.Count == 1 ? string.Empty : "s")}: {TerminalText.OneLine(e.Message)}").ConfigureAwait(false);
                await CloseAsync(ledger).ConfigureAwait(false);
                return McpFailed;
            }
            catch (OperationCanceledException)
            {
                await error.WriteLineAsync("toolflow run: cancelled.").ConfigureAwait(false);
                await CloseAsync(ledger).ConfigureAwait(false);
                return Cancelled;
            }
        }

        if (UnknownHint(settings.ToolHints, servers) is { } unknown)
        {
            await error.WriteLineAsync($"toolflow run: --tool-hint names {TerminalText.OneLine(unknown.Server)}/{TerminalText.OneLine(unknown.Tool)}, which no MCP server offers; the servers are: {TerminalText.OneLine(string.Join(", ", servers.Select(s => s.Name)))}.").ConfigureAwait(false);
            foreach (McpToolSource server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            await CloseAsync(ledger).ConfigureAwait(false);
            return UsageError;
        }

        if (settings.ApiKey is null)
        {
            // Say so: a server that needs a key would otherwise answer 401 with no hint why.
            string why = Environment.GetEnvironmentVariable("OPENAI_API_KEY") is null
                ? "give one with --api-key"
                : "$OPENAI_API_KEY goes only to openai.com and Azure OpenAI hosts over https; give one with --api-key";
            await error.WriteLineAsync($"toolflow run: no API key sent to {endpoint.Host} ({why}).").ConfigureAwait(false);
        }

        ScenarioRecorder? recorder = settings.RecordPath is null ? null : new ScenarioRecorder(Path.GetFileNameWithoutExtension(settings.RecordPath));
        try
        {
            using var client = new OpenAIChatClient(new OpenAIChatClientOptions
            {
                Endpoint = endpoint,
                Model = settings.Model,
                ApiKey = settings.ApiKey,
                NetworkTimeout = settings.Timeout,
                MaxRetries = settings.MaxRetries,
            });
            ToolPipeline pipeline = Build(client, settings, servers, ledger, timeProvider, output);

            var view = new RunView(output, settings.Color, settings.ShowReasoning);
            List<ChatMessage> messages = [];
            if (!string.IsNullOrWhiteSpace(settings.SystemPrompt))
            {
                messages.Add(new ChatMessage(ChatRole.System, settings.SystemPrompt));
            }

            messages.Add(new ChatMessage(ChatRole.User, settings.Prompt));
            ToolPipelineRun run;
            try
            {
                run = settings.ResumeRunId is { } resumeId
                    ? await pipeline.ResumeAsync(resumeId, cancellationToken).ConfigureAwait(false)
                    : pipeline.Start(messages, new ToolPipelineRunOptions { RunId = settings.RunId }, cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
            {
                // The run was checked when the ledger opened; this is a run recorded by another mode or a damaged record.
                await error.WriteLineAsync($"toolflow run: cannot resume: {TerminalText.OneLine(e.Message)}").ConfigureAwait(false);
                return UsageError;
            }

            await using ConfiguredAsyncDisposable disposeRun = run.ConfigureAwait(false);
            if (ledger is not null)
            {
                string id = Safe(run.RunId);
                await output.WriteLineAsync(settings.ResumeRunId is null
                    ? $"[ledger] recording run {id} in {Safe(ledger.Source)}; resume it with --resume {id} --ledger {Safe(ledger.Source)}"
                    : $"[ledger] resuming run {id} from {Safe(ledger.Source)}").ConfigureAwait(false);
            }

            RunCompleted? completed = null;
            await foreach (ToolPipelineEvent e in run.Events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                view.Apply(e);
                recorder?.Record(e);
                completed = e as RunCompleted ?? completed;
            }

            await SaveRecordAsync(recorder, settings.RecordPath, error).ConfigureAwait(false);
            switch (completed?.Reason)
            {
                case RunCompletionReason.FinalAnswer:
                    return 0;
                case RunCompletionReason.TurnLimitReached:
                    await error.WriteLineAsync($"toolflow run: the model still wanted tools after {settings.MaxTurns} turns; raise --max-turns to let it go on.").ConfigureAwait(false);
                    return TurnLimitReached;
                default:
                    await error.WriteLineAsync($"toolflow run: {(view.ModelError is { } modelError ? TerminalText.OneLine(modelError.Message) : "the model's response failed.")}").ConfigureAwait(false);
                    return ModelFailed;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await output.WriteLineAsync().ConfigureAwait(false);
            await error.WriteLineAsync("toolflow run: cancelled.").ConfigureAwait(false);

            // What ran until Ctrl-C is still a run worth replaying.
            await SaveRecordAsync(recorder, settings.RecordPath, error).ConfigureAwait(false);
            return Cancelled;
        }
        finally
        {
            foreach (McpToolSource server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            await CloseAsync(ledger).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Opens <c>--ledger</c> and checks the run ids against it, before anything runs: a folder, a file that is not a
    /// ledger, a run to resume that it lacks, or a new run id it already has, is a usage error.
    /// </summary>
    private static async Task<(SqliteToolCallLedger? Ledger, string? Problem)> OpenLedgerAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        if (settings.LedgerPath is not { } path)
        {
            return (null, null);
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (Directory.Exists(path) || folder is null || !Directory.Exists(folder))
        {
            return (null, Directory.Exists(path) ? $"--ledger '{path}' is a folder, not a ledger file." : $"cannot create --ledger '{path}': the folder '{folder}' does not exist.");
        }

        if (settings.ResumeRunId is not null && !File.Exists(path))
        {
            return (null, $"no ledger file '{path}' to resume from.");
        }

        SqliteToolCallLedger ledger;
        try
        {
            ledger = await SqliteToolCallLedger.OpenAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or Microsoft.Data.Sqlite.SqliteException or IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot use --ledger: {TerminalText.OneLine(e.Message)}");
        }

        string? problem = null;
        if (settings.ResumeRunId is { } resume && await ledger.ReadRunAsync(resume, cancellationToken).ConfigureAwait(false) is null)
        {
            problem = $"the ledger '{path}' has no run '{TerminalText.OneLine(resume)}'; toolflow ledger list --ledger {path} lists them.";
        }
        else if (settings.RunId is { } id && await ledger.ReadRunAsync(id, cancellationToken).ConfigureAwait(false) is not null)
        {
            problem = $"the ledger '{path}' already has a run '{TerminalText.OneLine(id)}'; resume it with --resume, or choose another --run-id.";
        }

        if (problem is not null)
        {
            await ledger.DisposeAsync().ConfigureAwait(false);
            return (null, problem);
        }

        return (ledger, null);
    }

    private static async Task CloseAsync(SqliteToolCallLedger? ledger)
    {
        if (ledger is not null)
        {
            await ledger.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task SaveRecordAsync(ScenarioRecorder? recorder, string? path, TextWriter error)
    {
        if (recorder is not null)
        {
            recorder.Save(path!);
            await error.WriteLineAsync($"toolflow run: recorded the run to {path}; replay it with toolflow bench --scenario {path}.").ConfigureAwait(false);
        }
    }

    private static ToolPipeline Build(OpenAIChatClient client, RunSettings settings, IReadOnlyList<McpToolSource> servers, SqliteToolCallLedger? ledger, TimeProvider timeProvider, TextWriter output)
    {
        output.WriteLine($"[model] {settings.Model} at {client.Endpoint}");
        // Each model request a "chat" span under its turn when something listens (--otlp); nothing otherwise.
        ToolPipelineBuilder builder = ToolPipeline.CreateBuilder(new ChatClientBuilder(client).UseOpenTelemetry().Build())
            .WithTimeProvider(timeProvider)
            .WithMaxTurns(settings.MaxTurns)
            .Configure(o =>
            {
                // A local command: the model may as well see why a tool failed, so it can fix its call.
                o.Execution.IncludeDetailedErrors = true;
                o.ChatOptions = new ChatOptions { Temperature = settings.Temperature, MaxOutputTokens = settings.MaxTokens };
            });

        if (ledger is not null)
        {
            builder.WithLedger(ledger);
        }

        // An MCP server the user named wins a name clash with a built-in tool; a later server's clashing tool is left out.
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (McpToolSource server in servers)
        {
            var taken = new List<string>();
            var offered = new List<string>();
            foreach (ToolDescriptor serverTool in server.Tools)
            {
                // The user's word on what a tool does wins over the server's hints.
                ToolHintOverride? hint = settings.ToolHints.LastOrDefault(h => h.Server == server.Name && h.Tool == serverTool.Name);
                ToolDescriptor tool = hint is null ? serverTool : new ToolDescriptor(serverTool.Function, hint.Effects);
                if (names.Add(tool.Name))
                {
                    builder.AddTool(tool);
                    offered.Add($"{tool.Name} ({ToolHintOverride.Word(tool.Effects)}{(hint is null ? string.Empty : ", --tool-hint")})");
                }
                else
                {
                    taken.Add(tool.Name);
                }
            }

            output.WriteLine($"[mcp] {Safe(server.Name)}: {Safe(string.Join(", ", offered))}");
            if (taken.Count > 0)
            {
                output.WriteLine($"[mcp] {Safe(server.Name)}: left out {Safe(string.Join(", ", taken))}, already offered by an earlier server");
            }
        }

        if (settings.BuiltInTools)
        {
            var builtIns = new List<string>();
            foreach (ToolDescriptor tool in new BuiltInTools(timeProvider, new BuiltInToolsOptions { Root = settings.Root ?? ".", AllowHidden = settings.AllowHidden }).Create())
            {
                if ((settings.Root is not null || !s_fileTools.Contains(tool.Name)) && names.Add(tool.Name))
                {
                    builder.AddTool(tool);
                    builtIns.Add(tool.Name);
                }
            }

            output.WriteLine($"[tools] {string.Join(", ", builtIns)} (built in, read-only)");
            if (settings.Root is null)
            {
                output.WriteLine("[tools] read_file and list_directory are off: give --root FOLDER to let the model read files under it");
            }
            else
            {
                output.WriteLine($"[tools] the file tools read under {Safe(Path.GetFullPath(settings.Root))}{(settings.AllowHidden ? ", hidden and secret files included" : string.Empty)}");
            }
        }

        return builder.Build();
    }

    private static ToolHintOverride? UnknownHint(IReadOnlyList<ToolHintOverride> hints, IReadOnlyList<McpToolSource> servers) =>
        hints.FirstOrDefault(h => !servers.Any(s => s.Name == h.Server && s.Tools.Any(t => t.Name == h.Tool)));

    // Names an MCP server chose are its text, not ours: shown with their control characters neutralised.
    private static string Safe(string text) => TerminalText.OneLine(text);
}
