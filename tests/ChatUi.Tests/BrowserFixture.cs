using Microsoft.Playwright;

namespace ToolFlow.Samples.ChatUi.Tests;

/// <summary>One headless chromium per test class: Debian's /usr/bin/chromium, never a browser Playwright downloads.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The machine's chromium (test.sh installs it when missing).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing; ./test.sh installs it (apt-get install chromium).");

        // Waiting is by Playwright's expectations on the page's state; the generous limit only bounds a broken run.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
