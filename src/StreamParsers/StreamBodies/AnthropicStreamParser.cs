using System.Text;
using System.Text.Json;

namespace ToolFlow.StreamParsers;

/// <summary>
/// Reads an Anthropic Messages API streamed body (<c>message_start</c>, <c>content_block_start</c>,
/// <c>content_block_delta</c>, <c>content_block_stop</c>, <c>message_delta</c>, <c>message_stop</c>), from Anthropic,
/// Amazon Bedrock or Google Vertex AI.
/// </summary>
/// <remarks>
/// <para>
/// A <c>tool_use</c> block starts a call; its <c>input_json_delta</c> fragments stream the arguments, and it completes
/// in the event whose fragment closes the input JSON. At its <c>content_block_stop</c>, a call given no input gets
/// <c>{}</c> (or the block's starting <c>input</c>). <c>text_delta</c> is text and <c>thinking_delta</c> reasoning.
/// </para>
/// <para>
/// A <c>server_tool_use</c> block (web search, code execution, or any other <c>*_tool_use</c> but <c>tool_use</c>) runs
/// on Anthropic's side: it is reported as a <see cref="ProviderStreamDiagnosticCodes.ProviderToolCall"/> diagnostic with
/// its input, never as a call.
/// </para>
/// <para>
/// The <c>stop_reason</c> of <c>message_delta</c> ends the response. After <c>max_tokens</c>, <c>refusal</c>,
/// <c>model_context_window_exceeded</c> or any other unusual reason, a call whose input JSON had not closed yields no
/// runnable call: it is aborted, with a diagnostic. So is every open call when the body ends without a stop reason.
/// </para>
/// </remarks>
internal sealed class AnthropicStreamParser : DeltaStreamBodyParser
{
    private readonly AnthropicDeltaEventReader _deltaReader = new();

    // Open tool_use blocks by block index, with the input the block started with when it is not empty.
    private readonly Dictionary<int, string?> _toolBlocks = [];

    // Open server tool blocks by block index.
    private readonly Dictionary<int, ServerTool> _serverTools = [];

    /// <summary>Initializes a parser for one response.</summary>
    /// <param name="options">Limits, or <see langword="null"/> for <see cref="ToolCallParserOptions.Default"/>.</param>
    public AnthropicStreamParser(ToolCallParserOptions? options = null)
        : base(options)
    {
    }

    /// <summary>The format's registry name: <c>anthropic</c>.</summary>
    public override string Format => "anthropic";

    /// <inheritdoc/>
    protected override bool TryReadEvent(string? eventType, ReadOnlySpan<byte> json, IToolCallParserObserver observer)
    {
        // Input for a server tool is collected by ReadDelta.
        if (!_deltaReader.TryRead(eventType, json) ||
            (_deltaReader.Kind == AnthropicDeltaKind.InputJson && _serverTools.ContainsKey(_deltaReader.Index)))
        {
            return false;
        }

        switch (_deltaReader.Kind)
        {
            case AnthropicDeltaKind.Text when !_deltaReader.Text.IsEmpty:
                observer.OnText(_deltaReader.Text);
                break;
            case AnthropicDeltaKind.Thinking when !_deltaReader.Text.IsEmpty:
                observer.OnReasoning(_deltaReader.Text);
                break;
            case AnthropicDeltaKind.InputJson:
                Calls.Append(new ToolCallDelta(_deltaReader.Index, null, null, _deltaReader.PartialJson), EventOffset, observer);
                break;
            default:
                break;
        }

        return true;
    }

    /// <inheritdoc/>
    protected override void OnEvent(string? eventType, JsonElement data, IToolCallParserObserver observer)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        int index = StreamBodyJson.Int32(data, "index") ?? -1;
        switch (StreamBodyJson.String(data, "type") ?? eventType)
        {
            case "content_block_start":
                if (StreamBodyJson.TryGetObject(data, "content_block", out JsonElement block))
                {
                    StartBlock(index, block, observer);
                }

                break;

            case "content_block_delta":
                if (StreamBodyJson.TryGetObject(data, "delta", out JsonElement delta))
                {
                    ReadDelta(index, delta, observer);
                }

                break;

            case "content_block_stop":
                StopBlock(index, observer);
                break;

            case "message_delta":
                if (StreamBodyJson.TryGetObject(data, "delta", out JsonElement messageDelta) && StreamBodyJson.String(messageDelta, "stop_reason") is { } stopReason)
                {
                    Finish(stopReason, observer);
                }

                break;

            case "message_stop":
                Finish("end_turn", observer);
                break;

            case "error":
                string message = data.TryGetProperty("error", out JsonElement error) ? StreamBodyJson.ErrorMessage(error) : data.GetRawText();
                ReportDiagnostic(observer, ProviderStreamDiagnosticCodes.ProviderError, "The provider reported an error: " + message);
                break;

            default:
                break;
        }
    }

    private void StartBlock(int index, JsonElement block, IToolCallParserObserver observer)
    {
        string? type = StreamBodyJson.String(block, "type");
        switch (type)
        {
            case "text":
                if (StreamBodyJson.String(block, "text") is { Length: > 0 } text)
                {
                    observer.OnText(text);
                }

                break;

            case "thinking":
                if (StreamBodyJson.String(block, "thinking") is { Length: > 0 } thinking)
                {
                    observer.OnReasoning(thinking);
                }

                break;

            case "tool_use":
                _toolBlocks[index] = StreamBodyJson.TryGetObject(block, "input", out JsonElement input) && input.EnumerateObject().Any()
                    ? input.GetRawText()
                    : null;
                Calls.Append(
                    new ToolCallDelta(index, StreamBodyJson.String(block, "id"), StreamBodyJson.String(block, "name"), null),
                    EventOffset,
                    observer);
                break;

            default:
                if (type is not null && type.EndsWith("tool_use", StringComparison.Ordinal))
                {
                    _serverTools[index] = new ServerTool(type, StreamBodyJson.String(block, "name") ?? "?");
                }

                break;
        }
    }

    private void ReadDelta(int index, JsonElement delta, IToolCallParserObserver observer)
    {
        switch (StreamBodyJson.String(delta, "type"))
        {
            case "text_delta":
                if (StreamBodyJson.String(delta, "text") is { Length: > 0 } text)
                {
                    observer.OnText(text);
                }

                break;

            case "thinking_delta":
                if (StreamBodyJson.String(delta, "thinking") is { Length: > 0 } thinking)
                {
                    observer.OnReasoning(thinking);
                }

                break;

            case "input_json_delta":
                string? fragment = StreamBodyJson.String(delta, "partial_json");
                if (_serverTools.TryGetValue(index, out ServerTool? serverTool))
                {
                    serverTool.Append(fragment, Options.MaxArgumentsLength);
                }
                else
                {
                    Calls.Append(new ToolCallDelta(index, null, null, fragment), EventOffset, observer);
                }

                break;

            default:
                break;
        }
    }

    private void StopBlock(int index, IToolCallParserObserver observer)
    {
        if (_serverTools.Remove(index, out ServerTool? serverTool))
        {
            ReportDiagnostic(
                observer,
                ProviderStreamDiagnosticCodes.ProviderToolCall,
                $"The provider ran its own tool '{serverTool.Name}' ({serverTool.Type}) with input {serverTool.Input}; it is not a call to run here.");
        }
        else if (_toolBlocks.Remove(index, out string? startInput))
        {
            Calls.End(index, startInput, EventOffset, observer);
        }
    }

    private void Finish(string stopReason, IToolCallParserObserver observer) =>
        FinishAtStop(stopReason is "end_turn" or "tool_use" or "stop_sequence" or "pause_turn", "stop_reason", stopReason, observer);

    private sealed class ServerTool(string type, string name)
    {
        private readonly StringBuilder _input = new();
        private bool _isCut;

        public string Type => type;

        public string Name => name;

        public string Input => _input.Length == 0 ? "{}" : _isCut ? _input + "..." : _input.ToString();

        public void Append(string? fragment, int limit)
        {
            if (string.IsNullOrEmpty(fragment) || _isCut)
            {
                return;
            }

            int room = limit - _input.Length;
            _isCut = fragment.Length > room;
            _input.Append(fragment, 0, Math.Min(room, fragment.Length));
        }
    }
}
