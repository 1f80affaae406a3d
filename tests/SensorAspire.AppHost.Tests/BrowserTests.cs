using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
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

    [Fact]
    public async Task NothingThePageLoadsHoldsTheOtlpKeyAspireGaveTheChartAndThePageTalksOnlyToTheChart()
    {
        var key = OtlpKeyOfTheChart();
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var requests = new ConcurrentQueue<IRequest>();
        var responses = new ConcurrentQueue<IResponse>();
        page.Request += (_, request) => requests.Enqueue(request);
        page.Response += (_, response) => responses.Enqueue(response);
        // Server-sent events never end, so their body is read as Chromium receives it, one event at a time.
        var cdp = await context.NewCDPSessionAsync(page);
        var sseEvents = new ConcurrentQueue<(string Type, string Data)>();
        cdp.Event("Network.eventSourceMessageReceived").OnEvent += (_, message) =>
            sseEvents.Enqueue((message?.GetProperty("eventName").GetString() ?? "", message?.GetProperty("data").GetString() ?? ""));
        await cdp.SendAsync("Network.enable");
        var tracesUrl = new Uri(appHost.ChartUrl, "otlp/v1/traces").ToString();
        var export = page.WaitForResponseAsync(r => r.Url == tracesUrl && r.Request.Method == "POST",
            new() { Timeout = (float)RunningAppHost.Timeout.TotalMilliseconds });

        await page.GotoAsync(appHost.ChartUrl.ToString());
        await page.WaitForFunctionAsync("() => sensorChart.telemetry");
        Assert.Equal(200, (await export).Status);
        await Wait.UntilAsync(() => sseEvents.Any(e => e.Type == "traced-window"), "a traced window update in the page's stream", RunningAppHost.Timeout);

        // Everything the page was sent: every response's headers and body (the page, /api/settings, the scripts, the
        // telemetry bundle, the export's answer) and every event of the SSE stream.
        List<(string What, string Text)> received = [];
        foreach (var response in responses)
        {
            received.Add(($"{response.Url} headers", string.Join('\n', (await response.AllHeadersAsync()).Select(h => $"{h.Key}: {h.Value}"))));
            // The stream's events are read above; a body of Content-Length 0 (the export's answer, sent as a keepalive
            // fetch whose body Chromium does not keep) is empty by definition (RFC 9110, 8.6).
            var streamed = (await response.HeaderValueAsync("content-type") ?? "").StartsWith("text/event-stream", StringComparison.Ordinal);
            if (!streamed && await response.HeaderValueAsync("content-length") != "0")
            {
                received.Add((response.Url, System.Text.Encoding.UTF8.GetString(await response.BodyAsync())));
            }
        }

        received.AddRange(sseEvents.Select(e => ($"SSE {e.Type}", e.Data)));
        string[] paths = ["/", "/api/settings", "/app.js", "/lib/uplot/uPlot.iife.min.js", "/lib/telemetry/draw-telemetry.js", "/api/windows/stream", "/otlp/v1/traces"];
        Assert.All(paths, path => Assert.Contains(responses, r => new Uri(r.Url).AbsolutePath == path));
        Assert.All(received, r => Assert.False(r.Text.Contains(key, StringComparison.Ordinal), $"{r.What} holds the chart's OTLP key"));
        Assert.All(requests, request => Assert.False(
            (request.Headers.Values.Any(v => v.Contains(key, StringComparison.Ordinal))), $"the page sent the key to {request.Url}"));
        // The page posts its spans to the chart's own origin: it needs no CORS from the dashboard.
        Assert.All(requests, request => Assert.StartsWith(appHost.ChartUrl.GetLeftPart(UriPartial.Authority), request.Url, StringComparison.Ordinal));
    }

    /// <summary>The key Aspire put in the chart's <c>OTEL_EXPORTER_OTLP_HEADERS</c> (<c>x-otlp-api-key=…</c>), as DCP started it.</summary>
    /// <summary>
    /// The OTLP key Aspire gives every resource (<c>x-otlp-api-key</c> in <c>OTEL_EXPORTER_OTLP_HEADERS</c>): the
    /// dashboard's <c>AppHost:OtlpApiKey</c>. Read from the AppHost's configuration rather than the chart's snapshot,
    /// which a restart of the chart by another test of this collection may have left without its environment.
    /// </summary>
    private string OtlpKeyOfTheChart()
    {
        var key = appHost.App.Services.GetRequiredService<IConfiguration>()["AppHost:OtlpApiKey"] ?? "";
        Assert.True(key.Length >= 16, "Aspire's OTLP key is long enough for a search to mean something");
        return key;
    }

    /// <summary>The dashboard's login link, as `dotnet run` prints it, with the token the AppHost was given.</summary>
    private async Task LogInAsync(IPage page)
    {
        await page.GotoAsync(new Uri(appHost.DashboardUrl, $"login?t={RunningAppHost.BrowserToken}").ToString());
        await page.WaitForURLAsync(url => !url.Contains("/login", StringComparison.Ordinal));
    }
}
