namespace ToolFlow.StreamParsers.Tests;

public sealed class ToolCallFormatRegistryTests
{
    [Fact]
    public void Default_EveryMarkedJsonGrammar_IsRegistered()
    {
        foreach (string format in MarkedJsonGrammars.Names)
        {
            Assert.True(ToolCallFormatRegistry.Default.Contains(format), $"The marked-JSON format '{format}' is not in BuiltInFormats.");
        }
    }

    [Fact]
    public void Create_EveryRegisteredName_MakesAParserOfThatFormat()
    {
        foreach (string format in ToolCallFormatRegistry.Default.Names)
        {
            ToolCallTextParser parser = ToolCallFormatRegistry.Default.Create(format);

            Assert.Equal(format, parser.Format);
        }
    }
}
