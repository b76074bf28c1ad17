using Microsoft.Extensions.AI;
using ToolFlow.Blocks;
using ToolFlow.Cli.Run;
using ToolFlow.Tools;
using ToolFlow.Testing;

namespace ToolFlow.Cli.Tests.Run;

public sealed class BuiltInToolsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("toolflow-tools-").FullName;
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2025, 3, 14, 15, 9, 26, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private BuiltInTools Tools() => new(_clock, _root);

    [Fact]
    public void Create_Tools_AreReadOnlyWithSchemas()
    {
        IReadOnlyList<ToolDescriptor> tools = Tools().Create();

        Assert.Equal(["current_time", "calculate", "read_file", "list_directory"], tools.Select(t => t.Name));
        Assert.All(tools, t => Assert.Equal(ToolEffects.ReadOnly, t.Effects));
        Assert.All(tools, t => Assert.False(string.IsNullOrEmpty(t.Function.Description)));
        Assert.Contains("\"expression\"", tools[1].Function.JsonSchema.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CurrentTime_Invoked_ReadsTheInjectedClock()
    {
        AIFunction time = Tools().Create()[0].Function;

        object? utc = await time.InvokeAsync(new AIFunctionArguments());
        object? oslo = await time.InvokeAsync(new AIFunctionArguments { ["timeZone"] = "Europe/Oslo" });

        Assert.Equal("2025-03-14T15:09:26Z (Friday)", utc?.ToString());
        Assert.Equal("2025-03-14T16:09:26+01:00 (Friday) in Europe/Oslo; 2025-03-14T15:09:26Z (Friday)", oslo?.ToString());
        await Assert.ThrowsAsync<ArgumentException>(() => time.InvokeAsync(new AIFunctionArguments { ["timeZone"] = "Mars/Olympus" }).AsTask());
    }

    [Fact]
    public async Task ReadFile_LongFile_IsCutWithANote()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "long.txt"), new string('x', 50));

        string text = await Tools().ReadFile("long.txt", maxChars: 10);

        Assert.StartsWith(new string('x', 10) + "\n[... cut at 10 characters; the file is 50 bytes]", text, StringComparison.Ordinal);
        Assert.Equal(new string('x', 50), await Tools().ReadFile("long.txt"));
    }

    [Fact]
    public async Task ReadFile_PathsOutsideTheRoot_AreRefused()
    {
        string outside = Directory.CreateTempSubdirectory("toolflow-outside-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), "secret");
            File.CreateSymbolicLink(Path.Combine(_root, "link.txt"), Path.Combine(outside, "secret.txt"));

            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Tools().ReadFile("../" + Path.GetFileName(outside) + "/secret.txt"));
            await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Tools().ReadFile(Path.Combine(outside, "secret.txt")));
            UnauthorizedAccessException e = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Tools().ReadFile("link.txt"));
            Assert.Contains("links outside", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public async Task ReadFile_BinaryOrMissingOrFolder_SaysWhat()
    {
        await File.WriteAllBytesAsync(Path.Combine(_root, "blob.bin"), [1, 0, 2, 0]);
        Directory.CreateDirectory(Path.Combine(_root, "sub"));

        Assert.Contains("binary", (await Assert.ThrowsAsync<InvalidDataException>(() => Tools().ReadFile("blob.bin"))).Message, StringComparison.Ordinal);
        Assert.Contains("There is no file 'nope.txt'", (await Assert.ThrowsAsync<FileNotFoundException>(() => Tools().ReadFile("nope.txt"))).Message, StringComparison.Ordinal);
        Assert.Contains("is a folder", (await Assert.ThrowsAsync<FileNotFoundException>(() => Tools().ReadFile("sub"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListDirectory_Folder_ListsEntriesInOrderWithFoldersMarked()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "b.txt"), "b");
        await File.WriteAllTextAsync(Path.Combine(_root, "a.txt"), "a");
        Directory.CreateDirectory(Path.Combine(_root, "docs"));

        Assert.Equal("a.txt\nb.txt\ndocs/", Tools().ListDirectory());
        Assert.Equal("(empty folder)", Tools().ListDirectory("docs"));
        Assert.Throws<UnauthorizedAccessException>(() => Tools().ListDirectory(".."));
    }
}
