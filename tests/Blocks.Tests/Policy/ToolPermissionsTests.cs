namespace ToolFlow.Blocks.Tests;

public sealed class ToolPermissionsTests
{
    private static readonly ToolCall s_search = new("call_1", "search", 0, 1, new Dictionary<string, object?>(), "{}");

    [Fact]
    public async Task CheckAsync_AllowedTool_AllowsWithTheRevisionAndName()
    {
        var permissions = new ToolPermissions(["search"], "operator");

        ToolPermissionDecision decision = await permissions.CheckAsync(s_search, ToolPermissionCheckpoint.Dispatch, CancellationToken.None);

        Assert.Equal(new ToolPermissionDecision(true, "operator", "0"), decision);
    }

    [Fact]
    public async Task CheckAsync_RevokedTool_DeniesWithAReasonNamingTheRevision()
    {
        var permissions = new ToolPermissions(["search"]);
        Assert.True(permissions.Revoke("search"));

        ToolPermissionDecision decision = await permissions.CheckAsync(s_search, ToolPermissionCheckpoint.Result, CancellationToken.None);

        Assert.Equal(new ToolPermissionDecision(false, "ToolPermissions", "1", "the tool 'search' is not permitted (permissions revision 1)"), decision);
    }

    [Fact]
    public void AllowRevoke_OnlyChangesMoveTheRevision()
    {
        var permissions = new ToolPermissions();
        Assert.Equal(0, permissions.Revision);
        Assert.False(permissions.IsAllowed("search"));

        Assert.True(permissions.Allow("search"));
        Assert.False(permissions.Allow("search"));
        Assert.Equal(1, permissions.Revision);
        Assert.True(permissions.IsAllowed("search"));

        Assert.False(permissions.Revoke("fetch"));
        Assert.True(permissions.Revoke("search"));
        Assert.Equal(2, permissions.Revision);
        Assert.Empty(permissions.Allowed);
    }

    [Fact]
    public void AllowRevoke_FromManyThreads_EveryChangeCountsOnce()
    {
        var permissions = new ToolPermissions();
        Parallel.For(0, 1000, i => Assert.True(permissions.Allow($"tool{i}")));
        Parallel.For(0, 1000, i => Assert.True(permissions.Revoke($"tool{i}")));

        Assert.Equal(2000, permissions.Revision);
        Assert.Empty(permissions.Allowed);
    }

    [Fact]
    public void Constructor_BadInput_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ToolPermissions(["ok", ""]));
        Assert.Throws<ArgumentException>(() => new ToolPermissions(name: " "));
        Assert.Throws<ArgumentNullException>(() => new ToolPermissions().Allow(null!));
        Assert.Throws<ArgumentException>(() => new ToolPermissions().Revoke(""));
    }
}
