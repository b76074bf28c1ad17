using System.Diagnostics;
using System.Net.Sockets;
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

    private readonly List<string> _outside = [];

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        foreach (string folder in _outside)
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private BuiltInTools Tools() => new(_clock, _root);

    private BuiltInTools Tools(Action<BuiltInToolsOptions> configure)
    {
        var options = new BuiltInToolsOptions { Root = _root };
        configure(options);
        return new BuiltInTools(_clock, options);
    }

    /// <summary>A folder outside the root holding secret.txt.</summary>
    private string Outside()
    {
        string folder = Directory.CreateTempSubdirectory("toolflow-outside-").FullName;
        _outside.Add(folder);
        File.WriteAllText(Path.Combine(folder, "secret.txt"), "secret");
        return folder;
    }

    private string InRoot(string relative) => Path.Combine(_root, relative);

    private static async Task<string> Refused(Func<Task> read)
    {
        Exception e = await Assert.ThrowsAnyAsync<Exception>(read);
        Assert.True(e is UnauthorizedAccessException or ArgumentException, e.ToString());
        return e.Message;
    }

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

    [Fact]
    public async Task ReadFile_FolderLinkMidPathToOutside_IsRefused()
    {
        string outside = Outside();
        Directory.CreateSymbolicLink(InRoot("etc"), outside);
        Directory.CreateDirectory(InRoot("docs"));
        Directory.CreateSymbolicLink(InRoot("docs/deeper"), outside);

        Assert.Contains("links outside", await Refused(() => Tools().ReadFile("etc/secret.txt")), StringComparison.Ordinal);
        Assert.Contains("links outside", await Refused(() => Tools().ReadFile("docs/deeper/secret.txt")), StringComparison.Ordinal);
        Assert.Contains("links outside", await Refused(() => Task.FromResult(Tools().ListDirectory("etc"))), StringComparison.Ordinal);
        Assert.Contains("links outside", await Refused(() => Task.FromResult(Tools().ListDirectory("docs/deeper/"))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFile_LinksToLinks_FollowedToTheEnd()
    {
        string outside = Outside();
        File.CreateSymbolicLink(InRoot("last"), Path.Combine(outside, "secret.txt"));
        File.CreateSymbolicLink(InRoot("first"), "last");
        await File.WriteAllTextAsync(InRoot("real.txt"), "inside");
        File.CreateSymbolicLink(InRoot("b.txt"), "real.txt");
        File.CreateSymbolicLink(InRoot("a.txt"), InRoot("b.txt"));

        Assert.Contains("links outside", await Refused(() => Tools().ReadFile("first")), StringComparison.Ordinal);
        Assert.Equal("inside", await Tools().ReadFile("a.txt"));
    }

    [Fact]
    public async Task ReadFile_DotDotThroughALink_ClimbsFromTheLinksTarget()
    {
        // sub -> outside/inner, so sub/.. is outside (as the kernel resolves it), not the root.
        string outside = Outside();
        Directory.CreateDirectory(Path.Combine(outside, "inner"));
        Directory.CreateSymbolicLink(InRoot("sub"), Path.Combine(outside, "inner"));
        await File.WriteAllTextAsync(InRoot("secret.txt"), "the root's own");
        Directory.CreateDirectory(InRoot("docs"));

        Assert.Contains("outside", await Refused(() => Tools().ReadFile("sub/../secret.txt")), StringComparison.Ordinal);
        Assert.Equal("the root's own", await Tools().ReadFile("docs/../secret.txt"));
        Assert.Contains("outside", await Refused(() => Tools().ReadFile("docs/../../" + Path.GetFileName(_root) + "/../x")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFile_AbsolutePaths_OnlyInsideTheResolvedRoot()
    {
        string outside = Outside();
        await File.WriteAllTextAsync(InRoot("a.txt"), "a");
        string alias = Path.Combine(outside, "alias");
        Directory.CreateSymbolicLink(alias, _root);

        // The root given through a link: it is resolved first, and paths through either name are inside.
        var tools = new BuiltInTools(_clock, alias);
        Assert.Equal("a", await tools.ReadFile("a.txt"));
        Assert.Equal("a", await tools.ReadFile(InRoot("a.txt")));
        Assert.Equal("a", await tools.ReadFile(Path.Combine(alias, "a.txt")));
        Assert.Contains("is outside", await Refused(() => tools.ReadFile(Path.Combine(outside, "secret.txt"))), StringComparison.Ordinal);
        Assert.Contains("is outside", await Refused(() => tools.ReadFile("/etc/passwd")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFile_LinkLoop_IsRefusedWithTheLimit()
    {
        File.CreateSymbolicLink(InRoot("loop1"), "loop2");
        File.CreateSymbolicLink(InRoot("loop2"), "loop1");
        Directory.CreateSymbolicLink(InRoot("self"), ".");

        Assert.Contains($"more than {40} links", await Refused(() => Tools().ReadFile("loop1")), StringComparison.Ordinal);
        await File.WriteAllTextAsync(InRoot("x.txt"), "x");
        Assert.Equal("x", await Tools().ReadFile("self/self/self/x.txt"));
    }

    [Fact]
    public async Task ReadFile_SpecialFiles_RefusedWithoutOpening()
    {
        // Opening a FIFO with no writer blocks forever: the test would hang if the tool opened it.
        using (Process mkfifo = Process.Start("mkfifo", InRoot("pipe")))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(InRoot("sock")));
        File.CreateSymbolicLink(InRoot("zero"), "/dev/zero");

        Assert.Contains("not a regular file", await Refused(() => Tools().ReadFile("pipe")), StringComparison.Ordinal);
        Assert.Contains("not a regular file", await Refused(() => Tools().ReadFile("sock")), StringComparison.Ordinal);
        Assert.Contains("links outside", await Refused(() => Tools().ReadFile("zero")), StringComparison.Ordinal);
        Assert.Contains("not a regular file", await Refused(() => new BuiltInTools(_clock, "/dev").ReadFile("zero")), StringComparison.Ordinal);
        Assert.Contains("not a regular file", await Refused(() => new BuiltInTools(_clock, "/").ReadFile("dev/null")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFile_LongerThanTheByteCap_IsCutWithANote()
    {
        await File.WriteAllTextAsync(InRoot("long.txt"), new string('y', 50));

        string text = await Tools(o => o.MaxReadBytes = 10).ReadFile("long.txt");

        Assert.Equal(new string('y', 10) + "\n[... cut at 10 bytes; the file is 50 bytes]", text);
        Assert.Equal(new string('y', 50), await Tools(o => o.MaxReadBytes = 50).ReadFile("long.txt"));
    }

    [Fact]
    public async Task Paths_WithControlCharacters_RefusedAndListedEscaped()
    {
        await File.WriteAllTextAsync(InRoot("bad\u001b]0;title\u0007.txt"), "x");

        string message = await Refused(() => Tools().ReadFile("bad\u001b]0;title\u0007.txt"));

        Assert.Contains("control characters", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', message);
        Assert.Equal("bad\\u001b]0;title\\u0007.txt", Tools().ListDirectory());
    }

    [Fact]
    public async Task HiddenAndSecretFiles_SkippedAndRefusedUnlessAllowed()
    {
        string[] secrets = [".env", ".npmrc", "server.pem", "tls.key", "id_rsa", "credentials", ".git/config", ".ssh/id_ed25519", "deploy/.aws/credentials"];
        foreach (string secret in secrets)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(InRoot(secret))!);
            await File.WriteAllTextAsync(InRoot(secret), "secret");
        }

        await File.WriteAllTextAsync(InRoot("readme.md"), "hello");
        File.CreateSymbolicLink(InRoot("notes.txt"), ".env");

        foreach (string secret in secrets.Append("notes.txt").Append("./.git/../.env"))
        {
            Assert.Contains("hidden or secret", await Refused(() => Tools().ReadFile(secret)), StringComparison.Ordinal);
        }

        Assert.Contains("hidden or secret", await Refused(() => Task.FromResult(Tools().ListDirectory(".git"))), StringComparison.Ordinal);
        Assert.Equal("deploy/\nnotes.txt\nreadme.md\n[8 hidden or secret entries not listed]", Tools().ListDirectory());
        Assert.Equal("(empty folder)\n[1 hidden or secret entry not listed]", Tools().ListDirectory("deploy"));

        BuiltInTools allowed = Tools(o => o.AllowHidden = true);
        Assert.Equal("secret", await allowed.ReadFile(".ssh/id_ed25519"));
        Assert.Equal("secret", await allowed.ReadFile("notes.txt"));
        Assert.Contains(".env", allowed.ListDirectory().Split('\n'));
    }

    [Fact]
    public void ListDirectory_SlowerThanTheTimeout_FailsWithTheTimeout()
    {
        for (int i = 0; i < 5; i++)
        {
            File.WriteAllText(InRoot($"f{i}.txt"), "x");
        }

        // Every reading of the clock is a second later: the fourth entry is past a 3-second timeout.
        var tools = new BuiltInTools(new SteppingClock(TimeSpan.FromSeconds(1)), new BuiltInToolsOptions { Root = _root, FileTimeout = TimeSpan.FromSeconds(3) });

        TimeoutException e = Assert.Throws<TimeoutException>(() => tools.ListDirectory());
        Assert.Contains("longer than 3 s", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_OutOfRange_Throw()
    {
        var options = new BuiltInToolsOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxReadBytes = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.FileTimeout = TimeSpan.Zero);
        Assert.Throws<ArgumentException>(() => options.Root = " ");
        Assert.Equal(BuiltInToolsOptions.DefaultMaxReadBytes, options.MaxReadBytes);
        Assert.False(options.AllowHidden);
    }

    private sealed class SteppingClock(TimeSpan step) : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks += step.Ticks;
    }
}
