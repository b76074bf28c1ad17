namespace ToolFlow.Providers.OpenAI;

/// <summary>
/// Where <see cref="OpenAIChatClient"/> sends its requests and how: any server that speaks OpenAI's chat completions
/// (OpenAI, Azure OpenAI's <c>/openai/v1/</c> endpoint, vLLM, Ollama, llama.cpp's server, ...).
/// </summary>
public sealed class OpenAIChatClientOptions
{
    /// <summary>The model name sent with every request, such as <c>gpt-4o</c> or <c>Qwen/Qwen3-8B</c>. Required.</summary>
    public string Model
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            field = value;
        }
    } = string.Empty;

    /// <summary>
    /// The API's base address, up to and including the version segment (<c>chat/completions</c> is appended), such as
    /// <c>http://localhost:8000/v1</c> for vLLM, <c>http://localhost:11434/v1</c> for Ollama or
    /// <c>https://NAME.openai.azure.com/openai/v1/</c> for Azure OpenAI. Default <see langword="null"/>: OpenAI's.
    /// </summary>
    public Uri? Endpoint
    {
        get;
        set
        {
            if (value is not null && !value.IsAbsoluteUri)
            {
                throw new ArgumentException($"The endpoint must be an absolute address; got '{value}'.", nameof(value));
            }

            field = value;
        }
    }

    /// <summary>
    /// The API key, sent as a bearer token. Default <see langword="null"/>: no <c>Authorization</c> header, which is
    /// what local servers (vLLM, Ollama, llama.cpp) expect.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How many times a request that fails before its response starts (HTTP 408, 429, 500, 502, 503, 504 or a
    /// network error) is retried, with exponential back-off. A response that fails mid-stream is never retried.
    /// Default <see langword="null"/>: the SDK's default (3).
    /// </summary>
    public int? MaxRetries
    {
        get;
        set
        {
            if (value is int retries)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(retries);
            }

            field = value;
        }
    }

    /// <summary>
    /// How long to wait for the response to start and, once it has, for each next piece of it. Default
    /// <see langword="null"/>: the SDK's default (100 seconds). Raise it for local models on slow hardware.
    /// </summary>
    public TimeSpan? NetworkTimeout
    {
        get;
        set
        {
            if (value is TimeSpan timeout)
            {
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
            }

            field = value;
        }
    }

    /// <summary>
    /// Whether <see cref="Microsoft.Extensions.AI.ChatOptions.MaxOutputTokens"/> is sent as the older
    /// <c>max_tokens</c> field, for servers that do not read <c>max_completion_tokens</c>. Default
    /// <see langword="false"/>.
    /// </summary>
    public bool UseLegacyMaxTokens { get; set; }

    /// <summary>
    /// Whether a stream that ends without a finish reason is an error. Such a stream was cut short (a proxy or the
    /// server closed it early), so its last call may be incomplete. Default <see langword="true"/>.
    /// </summary>
    public bool RequireFinishReason { get; set; } = true;

    internal OpenAIChatClientOptions Clone() => new()
    {
        Model = string.IsNullOrWhiteSpace(Model) ? throw new InvalidOperationException("OpenAIChatClientOptions.Model is required.") : Model,
        Endpoint = Endpoint,
        ApiKey = ApiKey,
        MaxRetries = MaxRetries,
        NetworkTimeout = NetworkTimeout,
        UseLegacyMaxTokens = UseLegacyMaxTokens,
        RequireFinishReason = RequireFinishReason,
    };
}
