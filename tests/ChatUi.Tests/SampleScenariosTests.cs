namespace ToolFlow.Samples.ChatUi.Tests;

public sealed class SampleScenariosTests
{
    [Fact]
    public void Shipped_LinkedIntoTheOutput_EveryPerfScenario()
    {
        IReadOnlyList<ChatScenario> scenarios = SampleScenarios.Shipped(Path.Combine(AppContext.BaseDirectory, "scenarios"));

        Assert.Contains(scenarios, s => s.Name == "hotpotqa-fanout");
        Assert.All(scenarios, s => Assert.False(string.IsNullOrWhiteSpace(s.Prompt)));
    }

    [Fact]
    public void Travel_IsTheDemosConversation()
    {
        ChatScenario travel = SampleScenarios.Travel();

        Assert.Equal("travel", travel.Name);
        Assert.Equal(ToolFlow.Profiling.DemoScenario.UserPrompt, travel.Prompt);
    }

    [Fact]
    public void Shipped_NoFolder_None()
    {
        Assert.Empty(SampleScenarios.Shipped(Path.Combine(AppContext.BaseDirectory, "no-such-folder")));
    }

    [Fact]
    public void Shipped_BadFile_NamesIt()
    {
        string folder = Directory.CreateTempSubdirectory("chatui-scenarios-").FullName;
        try
        {
            string file = Path.Combine(folder, "broken.json");
            File.WriteAllText(file, """{"name": "broken", "tools": """);

            ChatUiArgumentException error = Assert.Throws<ChatUiArgumentException>(() => SampleScenarios.Shipped(folder));

            Assert.Contains(file, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
