using Microsoft.Playwright;
using SensorAspire.Testing;
using static Microsoft.Playwright.Assertions;

namespace SensorAspire.AppHost.Tests;

/// <summary>What a user sees in a browser: the dashboard's view of a reading's trace and resources, and the live chart.</summary>
[Collection(AppHostCollection.Name)]
public sealed class BrowserTests(RunningAppHost appHost, BrowserFixture browser)
{
    [Fact]
    public async Task DashboardTracePageShowsTheReadingCrossingAllThreeServices()
    {
        var trace = await appHost.WaitForReadingTraceAsync();
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        var page = await context.NewPageAsync();
        await LogInAsync(page);

        await page.GotoAsync(new Uri(appHost.DashboardUrl, $"traces/detail/{trace.Key}").ToString());

        // The dashboard names a messaging span's row "<resource>: MSG <system> <destination>".
        foreach (var (name, service) in DashboardTraces.ReadingPath)
        {
            var topic = name.Split(' ')[1];
            await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = $"{service}: MSG kafka {topic}", Exact = true })).ToHaveCountAsync(1);
        }

        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("dashboard-trace.png") });
    }

    [Fact]
    public async Task DashboardResourcesPageListsKafkaAndTheThreeServices()
    {
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 700 } });
        var page = await context.NewPageAsync();
        await LogInAsync(page);

        await page.GotoAsync(appHost.DashboardUrl.ToString());

        foreach (var name in RunningAppHost.ResourceNames)
        {
            await Expect(page.GetByText(name, new() { Exact = true }).First).ToBeVisibleAsync();
        }

        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("dashboard-resources.png") });
    }

    [Fact]
    public async Task ChartPageDrawsBothTutorialSeries()
    {
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 640 } });
        var page = await context.NewPageAsync();

        await page.GotoAsync(appHost.ChartUrl.ToString());

        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator(".u-legend .u-series:not(:first-child) .u-label")).ToHaveTextAsync(["temp1", "temp2"]);
        await page.WaitForFunctionAsync("() => sensorChart.pointCount('temp1') > 0 && sensorChart.pointCount('temp2') > 0");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("chart.png"), FullPage = true });
    }

    [Fact]
    public async Task ChartPageDrawSpanEndsTheReadingTraceInTheDashboard()
    {
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        var chartPage = await context.NewPageAsync();
        await chartPage.GotoAsync(appHost.ChartUrl.ToString());
        await chartPage.WaitForFunctionAsync("() => sensorChart.telemetry");

        using var dashboard = appHost.CreateDashboardApiClient();
        var trace = await Wait.ForAsync(
            async ct => (await DashboardTraces.GetAsync(dashboard, ct)).FirstOrDefault(DashboardTraces.HoldsPixelPath),
            "a trace from the simulator's send to the browser's draw in the dashboard", RunningAppHost.Timeout, RunningAppHost.PollInterval);

        // The draw span is the leaf: nothing in the trace is its child.
        var draw = trace.Single(s => (s.Name, s.Service) == DashboardTraces.DrawStep);
        Assert.DoesNotContain(trace, s => s.ParentSpanId == draw.SpanId);

        var page = await context.NewPageAsync();
        await LogInAsync(page);
        await page.GotoAsync(new Uri(appHost.DashboardUrl, $"traces/detail/{trace.Key}").ToString());
        await Expect(page.GetByRole(AriaRole.Gridcell, new() { Name = $"{DashboardTraces.DrawStep.Service}: {DashboardTraces.DrawStep.Name}", Exact = true })).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("dashboard-trace-to-pixel.png") });
    }

    /// <summary>The dashboard's login link, as `dotnet run` prints it, with the token the AppHost was given.</summary>
    private async Task LogInAsync(IPage page)
    {
        await page.GotoAsync(new Uri(appHost.DashboardUrl, $"login?t={RunningAppHost.BrowserToken}").ToString());
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
    }
}
