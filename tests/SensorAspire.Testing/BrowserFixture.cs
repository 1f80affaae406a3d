using Microsoft.Playwright;

namespace SensorAspire.Testing;

/// <summary>
/// Debian's Chromium driven by Playwright. Browser downloads fail on our machines, so Playwright launches the system
/// browser by path instead of one it installed (never run <c>playwright install</c>). A test assembly that drives pages
/// declares <c>[assembly: AssemblyFixture(typeof(BrowserFixture))]</c>.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    /// <summary>The switches every Chromium of the tests and benchmarks runs with.</summary>
    public static readonly string[] Switches =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser has not started.");

    public async ValueTask InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Args = Switches,
        });
        Assertions.SetDefaultExpectTimeout((float)Wait.DefaultTimeout.TotalMilliseconds);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Where screenshots go: <c>artifacts/screenshots/</c> under the repository root.</summary>
    public static string ScreenshotPath(string fileName) => Path.Combine(Repository.Root, "artifacts", "screenshots", fileName);
}
