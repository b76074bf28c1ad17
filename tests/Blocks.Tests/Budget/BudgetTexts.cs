using ToolFlow.Testing;
using ToolFlow.Tokenizers;

namespace ToolFlow.Blocks.Tests;

/// <summary>The large results budget tests cut, and the real counter they are measured with.</summary>
internal static class BudgetTexts
{
    public static ITokenCounter Counter => TiktokenCounter.O200kBase;

    public static string Log => LargeResults.Log;

    public static string Json => LargeResults.Json;
}
