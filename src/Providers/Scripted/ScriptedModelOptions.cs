using ToolFlow.Blocks;

namespace ToolFlow.Providers.Scripted;

/// <summary>How fast and in what shape the scripted model streams.</summary>
public sealed class ScriptedModelOptions
{
    /// <summary>The delay before the first token. Default 300 ms.</summary>
    public TimeSpan TimeToFirstToken
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            field = value;
        }
    } = TimeSpan.FromMilliseconds(300);

    /// <summary>The decode speed after the first token. Default 60 tokens per second.</summary>
    public double TokensPerSecond
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            field = value;
        }
    } = 60;

    /// <summary>
    /// The tokenizer whose boundaries cut the text and arguments, so each streamed update is one real token and decode
    /// takes tokens / <see cref="TokensPerSecond"/>; for instance <c>TiktokenCounter.O200kBase</c> from
    /// <c>ToolFlow.Tokenizers</c>. Default <see langword="null"/>: the characters-based cut of
    /// <see cref="MaxTokenLength"/>, which existing timelines in virtual time are written against.
    /// </summary>
    public ITokenCounter? Tokenizer { get; set; }

    /// <summary>
    /// Without a <see cref="Tokenizer"/>, the longest run of letters or digits in one token. Default 4, about what a BPE
    /// vocabulary gives. Ignored when a tokenizer is set.
    /// </summary>
    public int MaxTokenLength
    {
        get;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 4;

    /// <summary>How tool calls are written. Default <see cref="ScriptedToolCallShape.OpenAIDeltas"/>.</summary>
    public ScriptedToolCallShape CallShape { get; set; }

    /// <summary>The clock the stream is paced on. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider
    {
        get;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            field = value;
        }
    } = TimeProvider.System;

    internal ScriptedModelOptions Clone() => new()
    {
        TimeToFirstToken = TimeToFirstToken,
        TokensPerSecond = TokensPerSecond,
        MaxTokenLength = MaxTokenLength,
        Tokenizer = Tokenizer,
        CallShape = CallShape,
        TimeProvider = TimeProvider,
    };
}
