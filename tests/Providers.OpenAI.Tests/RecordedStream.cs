namespace ToolFlow.Providers.OpenAI.Tests;

/// <summary>A recorded stream and what it must yield.</summary>
/// <param name="FileName">The file in the corpus.</param>
/// <param name="Calls">The calls, in order.</param>
/// <param name="Text">The text the model wrote, or empty.</param>
/// <param name="HasReasoning">Whether the stream carries reasoning deltas.</param>
/// <param name="Usage">Prompt, completion and total tokens, when the stream reports them.</param>
public sealed record RecordedStream(
    string FileName,
    ExpectedCall[] Calls,
    string Text = "",
    bool HasReasoning = false,
    (int Input, int Output, int Total)? Usage = null);
