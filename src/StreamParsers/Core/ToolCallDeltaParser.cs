using System.Diagnostics;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// An incremental parser for tool calls that a provider streams as structured deltas, such as the
/// <c>choices[0].delta.tool_calls</c> of OpenAI chat completions. It reports each call complete in the very
/// <see cref="Append"/> whose fragment closes the call's arguments JSON, without waiting for the stream to end.
/// </summary>
/// <remarks>
/// <para>How deltas map to calls:</para>
/// <list type="bullet">
/// <item>A delta with an <see cref="ToolCallDelta.Index"/> starts or continues the call with that provider index.
/// Provider indices need not start at 0 or be contiguous; calls are numbered 0, 1, 2, ... in order of appearance.
/// A delta whose index is known but whose non-empty id differs from that call's id starts a new call (some servers
/// send every call at index 0), unless the id names an open call at that index.</item>
/// <item>A delta without an index continues the most recent call, unless it carries a non-empty id different
/// from that call's id, in which case it continues the open call without an index that has that id, or starts a
/// new call.</item>
/// <item>The first non-empty name starts the call (<see cref="IToolCallParserObserver.OnCallStarted"/>); empty
/// names on later fragments are ignored. Argument fragments that arrive before the name are held and reported
/// when it arrives.</item>
/// </list>
/// <para>How calls complete:</para>
/// <list type="bullet">
/// <item>When the arguments JSON closes: <see cref="ToolCallCompletionReason.JsonClosed"/>. Arguments that close but
/// are not a valid JSON object still complete, with <see cref="ParsedToolCall.Error"/> set, so the runtime can tell
/// the model. Text after the close is reported once and ignored.</item>
/// <item>A call with an index stays open until its arguments close or <see cref="Complete"/>, however many other
/// indices begin meanwhile: servers may announce every call (with empty arguments) before streaming the arguments
/// of each in turn, or start a second call while the first is streaming and then resume the first. Several calls
/// can be open at once, each fed by its own index, and each completes as soon as its own JSON closes.</item>
/// <item>A delta whose id names an open call continues that call when its index does not reach it (a server that
/// sends every call at index 0 and interleaves them by id).</item>
/// <item>A call whose arguments are still empty completes with arguments <c>{}</c> when no later delta can reach it
/// (<see cref="ToolCallCompletionReason.NextCall"/>): a call with neither id nor index once another call starts.
/// Otherwise it completes at <see cref="Complete"/> (<see cref="ToolCallCompletionReason.ProviderStop"/>).</item>
/// <item>At <see cref="Complete"/>, a call whose arguments never closed is aborted.</item>
/// </list>
/// <para>
/// Offsets (<see cref="ParsedToolCall.Offset"/>, <see cref="ParserDiagnostic.Offset"/>) count argument characters:
/// all argument fragment characters seen so far, across all calls, in order. A call that completes when its JSON
/// closes has the count up to and including the closing character; one completed by the next call or the end of
/// the stream has the count at that moment. The parser is not thread-safe; use one per response.
/// </para>
/// </remarks>
public sealed class ToolCallDeltaParser
{
    // Calls whose arguments are still open or that await their name, in order of appearance.
    private readonly List<CallState> _open = [];

    // The latest call for each provider index.
    private readonly Dictionary<int, CallState> _byProviderIndex = [];

    private CallState? _latest;
    private int _acceptedCalls;
    private int _startedCalls;
    private long _position;
    private bool _isCompleted;

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public ToolCallDeltaParser(ToolCallParserOptions? options = null)
    {
        Options = options ?? ToolCallParserOptions.Default;
    }

    private enum CallStatus : byte
    {
        Open,
        Closed,
        Completed,
        Aborted,
        Dropped,
    }

    /// <summary>The limits in force.</summary>
    public ToolCallParserOptions Options { get; }

    /// <summary>How many argument characters have been appended so far, across all calls.</summary>
    public long Position => _position;

    /// <summary>How many calls have started so far.</summary>
    public int CallCount => _startedCalls;

    /// <summary>Parses the next delta of the response.</summary>
    /// <param name="delta">The delta.</param>
    /// <param name="observer">Receives what the delta starts, streams or completes.</param>
    /// <exception cref="InvalidOperationException"><see cref="Complete"/> was already called.</exception>
    public void Append(in ToolCallDelta delta, IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            throw new InvalidOperationException("The parser has already completed.");
        }

        CallState call = Resolve(delta, observer);
        string? fragment = delta.ArgumentsFragment;
        long fragmentStart = _position;
        _position += fragment?.Length ?? 0;
        if (call.Status == CallStatus.Dropped)
        {
            return;
        }

        if (!string.IsNullOrEmpty(delta.Id) && call.Id is null)
        {
            call.Id = delta.Id;
        }

        if (!string.IsNullOrEmpty(delta.Name))
        {
            if (call.Name is null)
            {
                call.Name = delta.Name;
                Start(call, observer);
            }
            else if (!string.Equals(call.Name, delta.Name, StringComparison.Ordinal))
            {
                observer.OnDiagnostic(new ParserDiagnostic(
                    ParserDiagnosticCodes.CallNameConflict,
                    $"A later fragment names the call '{delta.Name}'; it keeps its first name '{call.Name}'.",
                    fragmentStart));
            }
        }

        if (!string.IsNullOrEmpty(fragment))
        {
            AppendArguments(call, fragment, fragmentStart, observer);
        }
    }

    /// <summary>
    /// Ends the response (the provider stopped or the stream ended): completes calls whose arguments are empty,
    /// aborts calls whose arguments never closed, and reports calls that never got a name. Later calls do nothing.
    /// </summary>
    /// <param name="observer">Receives what the end of the response completes.</param>
    public void Complete(IToolCallParserObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (_isCompleted)
        {
            return;
        }

        _isCompleted = true;
        foreach (CallState call in _open.ToArray())
        {
            if (call.Name is null)
            {
                observer.OnDiagnostic(new ParserDiagnostic(
                    ParserDiagnosticCodes.CallMissingName,
                    "A call ended without a tool name; it is dropped.",
                    _position));
                call.Status = CallStatus.Aborted;
                call.Arguments.Release();
            }
            else if (call.Scanner.IsEmpty || call.Scanner.TryCompleteAtEnd() ||
                (call.SyntaxError is not null && call.Scanner.Depth == 0))
            {
                // Empty arguments, a top-level number that ends with the stream, or text that is not JSON at
                // all (there is no bracket left open to wait for): the call is as complete as it will get.
                Finish(call, ToolCallCompletionReason.ProviderStop, _position, observer);
            }
            else
            {
                Abort(
                    call,
                    ParserDiagnosticCodes.ArgumentsUnclosed,
                    $"The response ended before the arguments of '{call.Name}' closed.",
                    _position,
                    observer);
            }
        }

        _open.Clear();
    }

    private CallState Resolve(in ToolCallDelta delta, IToolCallParserObserver observer)
    {
        if (delta.Index is int providerIndex)
        {
            if (_byProviderIndex.TryGetValue(providerIndex, out CallState? existing) && !HasOtherId(existing, delta.Id))
            {
                _latest = existing;
                return existing;
            }

            // A server that sends every call at one index tells them apart by id alone.
            if (FindOpen(delta.Id) is { } named && named.ProviderIndex == providerIndex)
            {
                _byProviderIndex[providerIndex] = named;
                _latest = named;
                return named;
            }

            return StartNew(providerIndex, observer);
        }

        if (_latest is not null && !HasOtherId(_latest, delta.Id))
        {
            return _latest;
        }

        if (FindOpen(delta.Id) is { ProviderIndex: null } unindexed)
        {
            _latest = unindexed;
            return unindexed;
        }

        return StartNew(null, observer);
    }

    // An open call with this id; calls are few, so a scan beats keeping a map.
    private CallState? FindOpen(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        foreach (CallState call in _open)
        {
            if (string.Equals(call.Id, id, StringComparison.Ordinal))
            {
                return call;
            }
        }

        return null;
    }

    private static bool HasOtherId(CallState call, string? id) =>
        !string.IsNullOrEmpty(id) && call.Id is not null && !string.Equals(call.Id, id, StringComparison.Ordinal);

    private CallState StartNew(int? providerIndex, IToolCallParserObserver observer)
    {
        // A call without arguments completes here only when no later delta can reach it: one with an id is reached
        // by its id, one with an index by its index, so only a call with neither is done once another starts.
        // Reachable calls stay open, since a server may announce every call before it streams their arguments.
        for (int i = 0; i < _open.Count; i++)
        {
            CallState previous = _open[i];
            if (previous.Status == CallStatus.Open && previous.Name is not null && previous.Scanner.IsEmpty &&
                previous.Id is null && previous.ProviderIndex is null)
            {
                Finish(previous, ToolCallCompletionReason.NextCall, _position, observer);
                i--;
            }
        }

        var call = new CallState(Options.MaxDepth) { ProviderIndex = providerIndex };
        if (_acceptedCalls >= Options.MaxCallsPerResponse)
        {
            call.Status = CallStatus.Dropped;
            observer.OnDiagnostic(new ParserDiagnostic(
                ParserDiagnosticCodes.TooManyCalls,
                $"The response has more than {Options.MaxCallsPerResponse} tool calls; the extra call is dropped.",
                _position));
        }
        else
        {
            _acceptedCalls++;
            _open.Add(call);
        }

        if (providerIndex is int index)
        {
            _byProviderIndex[index] = call;
        }

        _latest = call;
        return call;
    }

    private void Start(CallState call, IToolCallParserObserver observer)
    {
        if (call.Status is not (CallStatus.Open or CallStatus.Closed))
        {
            return;
        }

        call.Index = _startedCalls++;
        observer.OnCallStarted(call.Index, call.Id, call.Name!);
        if (call.Arguments.Length > 0)
        {
            observer.OnArgumentsDelta(call.Index, call.Arguments.Span);
        }

        if (call.Status == CallStatus.Closed)
        {
            Finish(call, ToolCallCompletionReason.JsonClosed, call.CloseOffset, observer);
        }
    }

    private void AppendArguments(CallState call, string fragment, long fragmentStart, IToolCallParserObserver observer)
    {
        ReadOnlySpan<char> text = fragment;
        if (call.Status is CallStatus.Closed or CallStatus.Completed)
        {
            ReportTrailingText(call, text, fragmentStart, observer);
            return;
        }

        if (call.Status != CallStatus.Open)
        {
            return;
        }

        int room = Options.MaxArgumentsLength - call.Arguments.Length;
        ReadOnlySpan<char> allowed = text.Length > room ? text[..room] : text;
        int used = 0;
        int accepted = 0;
        bool closed = false;
        while (used < allowed.Length)
        {
            used += call.Scanner.Scan(allowed[used..], out JsonScanEvent scanEvent);
            if (scanEvent == JsonScanEvent.ValueCompleted)
            {
                closed = true;
                break;
            }

            if (scanEvent != JsonScanEvent.Error)
            {
                continue;
            }

            // Report the arguments up to the problem first, so that events come in input order.
            Accept(call, text[accepted..used], observer);
            accepted = used;
            if (call.Scanner.Error == JsonScanError.TooDeep)
            {
                Abort(
                    call,
                    ParserDiagnosticCodes.ArgumentsTooDeep,
                    $"The arguments of '{call.Name}' nest deeper than {Options.MaxDepth} levels.",
                    fragmentStart + used,
                    observer);
                return;
            }

            if (call.SyntaxError is null)
            {
                call.SyntaxError = $"The arguments are not valid JSON: unexpected {Describe(allowed[used])} at argument character {call.Arguments.Length}.";
                observer.OnDiagnostic(new ParserDiagnostic(ParserDiagnosticCodes.ArgumentsInvalidJson, call.SyntaxError, fragmentStart + used));
            }
        }

        Accept(call, text[accepted..used], observer);
        if (closed)
        {
            // A number is complete at the character after it, which the scanner leaves unconsumed.
            call.CloseOffset = fragmentStart + used + (call.Scanner.EndedAtDelimiter ? 1 : 0);
            call.Status = CallStatus.Closed;
            if (call.Name is not null)
            {
                Finish(call, ToolCallCompletionReason.JsonClosed, call.CloseOffset, observer);
            }

            ReportTrailingText(call, text[used..], fragmentStart + used, observer);
        }
        else if (allowed.Length < text.Length)
        {
            Abort(
                call,
                ParserDiagnosticCodes.ArgumentsTooLong,
                $"The arguments of '{call.Name}' are longer than {Options.MaxArgumentsLength} characters.",
                fragmentStart + room,
                observer);
        }
    }

    private static void Accept(CallState call, ReadOnlySpan<char> part, IToolCallParserObserver observer)
    {
        call.Arguments.Append(part);
        if (call.Index >= 0 && !part.IsEmpty)
        {
            observer.OnArgumentsDelta(call.Index, part);
        }
    }

    private static void ReportTrailingText(CallState call, ReadOnlySpan<char> text, long offset, IToolCallParserObserver observer)
    {
        if (call.TrailingTextReported)
        {
            return;
        }

        int at = text.IndexOfAnyExcept(" \t\r\n");
        if (at >= 0)
        {
            call.TrailingTextReported = true;
            observer.OnDiagnostic(new ParserDiagnostic(
                ParserDiagnosticCodes.ArgumentsTrailingText,
                $"Text after the arguments of '{call.Name}' closed is ignored.",
                offset + at));
        }
    }

    private void Finish(CallState call, ToolCallCompletionReason reason, long offset, IToolCallParserObserver observer)
    {
        Debug.Assert(call.Index >= 0 && call.Name is not null, "Only a started call completes.");
        string json = call.Scanner.IsEmpty ? JsonArguments.Empty : new string(call.Arguments.Span);
        string? error = call.SyntaxError;
        JsonElement? arguments = null;
        if (error is null)
        {
            arguments = JsonArguments.Parse(json, Options.MaxDepth, out error, out string? code);
            if (code is not null)
            {
                observer.OnDiagnostic(new ParserDiagnostic(code, error!, offset));
            }
        }

        call.Status = CallStatus.Completed;
        call.Arguments.Release();
        _open.Remove(call);
        observer.OnCallCompleted(new ParsedToolCall(call.Index, call.Id, call.Name!, json, arguments, reason, offset, error));
    }

    private void Abort(CallState call, string code, string message, long offset, IToolCallParserObserver observer)
    {
        call.Status = CallStatus.Aborted;
        call.Arguments.Release();
        _open.Remove(call);
        if (call.Index >= 0)
        {
            observer.OnCallAborted(call.Index, message);
        }

        observer.OnDiagnostic(new ParserDiagnostic(code, message, offset));
    }

    private static string Describe(char c) => char.IsControl(c) ? $"control character U+{(int)c:X4}" : $"'{c}'";

    [DebuggerDisplay("{Index} {Name} {Status}")]
    private sealed class CallState(int maxDepth)
    {
        public JsonBoundaryScanner Scanner = new(maxDepth, reportMembers: false);
        public PooledCharBuffer Arguments;
        public CallStatus Status;
        public int Index = -1;
        public int? ProviderIndex;
        public string? Id;
        public string? Name;
        public string? SyntaxError;
        public long CloseOffset;
        public bool TrailingTextReported;
    }
}
