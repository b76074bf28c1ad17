using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ToolFlow.Samples.ChatUi.Tests;

/// <summary>Screenshots saved as test output, under the test's build output.</summary>
internal static class Screenshots
{
    public static async Task SaveAsync(IPage page, string name, ITestOutputHelper output)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}
