using System.Collections.Concurrent;
using System.Diagnostics;
using SensorAspire.Chart.Tests.Forwarding;
using SensorAspire.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static SensorAspire.Chart.Tests.WindowProducer;

namespace SensorAspire.Chart.Tests;

public sealed class ChartPageTests(BrokerFixture broker, BrowserFixture browser)
{
    private const string Markup = "<img src=x onerror=alert(1)>";

    [Fact]
    public async Task PageDrawsBothDefaultSeriesAndAddsAPointWhenAWindowArrives()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "page");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 24.1, 31.5, 27.2, 35.8, 22.4, 29.9, 33.0, 26.7, 38.2, 30.1, 25.5));
        await producer.ProduceAsync(Window("temp2", 12.3, 18.9, 15.1, 27.4, 11.0, 22.8, 19.6, 14.2, 25.1, 16.7, 21.3));
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 640 } });
        var page = await context.NewPageAsync();

        await page.GotoAsync(app.BaseAddress.ToString());
        await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "live");
        await Expect(page.Locator(".u-legend .u-series:not(:first-child) .u-label")).ToHaveTextAsync(["temp1", "temp2"]);
        await page.WaitForFunctionAsync("() => sensorChart.pointCount('temp1') === 11 && sensorChart.pointCount('temp2') === 11");
        await producer.ProduceAsync(Window("temp1", 24.1, 31.5, 27.2, 35.8, 22.4, 29.9, 33.0, 26.7, 38.2, 30.1, 25.5, 28.4));
        await page.WaitForFunctionAsync("() => sensorChart.pointCount('temp1') === 12");

        await Expect(page.Locator("tr[data-sensor='temp1'] td.points")).ToHaveTextAsync("12");
        await Expect(page.Locator("tr[data-sensor='temp1'] td.last")).ToHaveTextAsync("28.40");
        Assert.Equal(11, await page.EvaluateAsync<int>("() => sensorChart.pointCount('temp2')"));
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("chart.png"), FullPage = true });
    }

    [Fact]
    public async Task PageWithBrowserTelemetryOffDrawsTracedUpdatesLoadsNoTelemetryCodeAndSendsNothing()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "telemetry-off");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 24.1, 31.5));
        await using var receiver = await OtlpReceiver.StartAsync();
        // An OTLP/HTTP endpoint is configured, as in any deployment that exports; only the setting is off (its default).
        await using var app = new ChartApp(broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-otlp-api-key=page-off-key",
        }).Start();
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var requests = new ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(request.Url);
        using var client = app.CreateHttpClient();

        await page.GotoAsync(app.BaseAddress.ToString());
        await page.WaitForFunctionAsync("() => sensorChart.pointCount('temp1') === 2");
        // A sampled update arrives as a traced-window event; without telemetry the page just draws it.
        await producer.ProduceAsync(Window("temp1", 24.1, 31.5, 27.2), $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01");
        await page.WaitForFunctionAsync("() => sensorChart.pointCount('temp1') === 3");
        using var route = await client.PostAsync("otlp/v1/traces", new ByteArrayContent([]) { Headers = { ContentType = new("application/x-protobuf") } },
            TestContext.Current.CancellationToken);

        Assert.False(await page.EvaluateAsync<bool>("() => sensorChart.telemetry"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, route.StatusCode);
        Assert.All(requests, url => Assert.StartsWith(app.BaseAddress.GetLeftPart(UriPartial.Authority), url, StringComparison.Ordinal));
        Assert.DoesNotContain(requests, url => url.Contains("/lib/telemetry/", StringComparison.Ordinal) || url.Contains("/otlp/", StringComparison.Ordinal));
        Assert.DoesNotContain(receiver.Received, r => r.Body.AsSpan().IndexOf("chart-browser"u8) >= 0);
    }

    [Fact]
    public async Task PagePostsItsDrawSpanToTheChartWhichForwardsItWithTheOtlpHeadersThePageNeverSees()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "otlp");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 24.1, 31.5));
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = new ChartApp(broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Chart:BrowserTelemetry"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-otlp-api-key=page-test-key",
        }).Start();
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var requests = new ConcurrentQueue<string>();
        page.Request += (_, request) => requests.Enqueue(request.Url);
        var tracesUrl = new Uri(app.BaseAddress, "otlp/v1/traces").ToString();
        var traceId = ActivityTraceId.CreateRandom();

        await page.GotoAsync(app.BaseAddress.ToString());
        await page.WaitForFunctionAsync("() => sensorChart.telemetry && sensorChart.pointCount('temp1') === 2");
        var export = page.WaitForResponseAsync(r => r.Url == tracesUrl && r.Request.Method == "POST");
        await producer.ProduceAsync(Window("temp1", 24.1, 31.5, 27.2), $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await export;
        // The chart's own exporter sends its process span of the same trace there too; the page's export is the one
        // whose resource is chart-browser (OTLP protobuf holds ids as raw bytes and strings as UTF-8).
        var forwarded = await receiver.WaitForAsync(
            r => r.Body.AsSpan().IndexOf("chart-browser"u8) >= 0 && r.Body.AsSpan().IndexOf(Convert.FromHexString(traceId.ToString())) >= 0,
            "the page's draw span at the receiver");

        // The page's own request: to the chart, protobuf, no key.
        Assert.Equal(200, response.Status);
        Assert.Equal("application/x-protobuf", await response.Request.HeaderValueAsync("content-type"));
        Assert.Null(await response.Request.HeaderValueAsync("x-otlp-api-key"));
        Assert.All(requests, url => Assert.StartsWith(app.BaseAddress.GetLeftPart(UriPartial.Authority), url, StringComparison.Ordinal));
        // What the chart forwarded: the same export, with the key only the chart holds.
        Assert.Equal("/v1/traces", forwarded.Path);
        Assert.Equal("page-test-key", forwarded.Headers["x-otlp-api-key"]);
        Assert.True(forwarded.Body.AsSpan().IndexOf("draw sensor-windows"u8) >= 0, "the span is the draw span");
    }

    [Fact]
    public async Task PageDrawsTheFirstMaxSensorsShownAndTheViewerPicksOthers()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "pick");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        foreach (var id in new[] { "s-4", "s-2", "s-3", "s-1" })
        {
            await producer.ProduceAsync(Window(id, 20, 21));
        }

        await using var app = new ChartApp(broker.BootstrapServers, topic,
            new Dictionary<string, string?> { ["Chart:MaxSensorsShown"] = "2" }).Start();
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var legend = page.Locator(".u-legend .u-series:not(:first-child) .u-label");

        await page.GotoAsync(app.BaseAddress.ToString());
        await Expect(page.Locator("tr[data-sensor] .sensor-id")).ToHaveTextAsync(["s-1", "s-2", "s-3", "s-4"]);
        await Expect(legend).ToHaveTextAsync(["s-1", "s-2"]);
        await Expect(page.GetByLabel("Show s-4")).ToBeDisabledAsync();
        await page.GetByLabel("Show s-1").UncheckAsync();
        await page.GetByLabel("Show s-4").CheckAsync();
        await Expect(legend).ToHaveTextAsync(["s-2", "s-4"]);
        await Expect(page.GetByLabel("Show s-3")).ToBeDisabledAsync();
        await page.GetByLabel("Filter sensors by id").FillAsync("4");

        await Expect(page.Locator("tr[data-sensor]:visible .sensor-id")).ToHaveTextAsync(["s-4"]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Default" }).ClickAsync();
        await Expect(legend).ToHaveTextAsync(["s-1", "s-2"]);
        await Expect(page.GetByLabel("Show s-4")).ToBeDisabledAsync();
        await page.GetByLabel("Filter sensors by id").FillAsync("");
        await Expect(page.Locator("tr[data-sensor] .sensor-id")).ToHaveTextAsync(["s-1", "s-2", "s-3", "s-4"]);
        await Expect(page.GetByLabel("Show s-1")).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Show s-1")).ToBeEnabledAsync();
        await Expect(page.GetByLabel("Show s-4")).ToBeDisabledAsync();
    }

    [Fact]
    public async Task TableHoldsOnlyRowsInReachAndARowScrolledIntoViewShowsItsLatestWindowAndSelection()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "reach");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        // 60 rows of about 28 px: the last is far below the table's scrollport (60 % of 640 px) and the scrollport's
        // height under it, so it is out of reach: the page's table does not hold it until it is scrolled to.
        var ids = Enumerable.Range(0, 60).Select(i => $"s-{i:D2}").ToArray();
        foreach (var id in ids)
        {
            await producer.ProduceAsync(Window(id, 20, 21));
        }

        await using var app = new ChartApp(broker.BootstrapServers, topic,
            new Dictionary<string, string?> { ["Chart:MaxSensorsShown"] = "2" }).Start();
        await using var context = await browser.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 640 } });
        var page = await context.NewPageAsync();
        var rows = page.Locator("tr[data-sensor]");
        var lastRow = page.Locator("tr[data-sensor='s-59']");
        var table = page.Locator(".table-scroll");

        await page.GotoAsync(app.BaseAddress.ToString());
        await Expect(page.Locator("#summary")).ToContainTextAsync("60 sensor(s)");
        await Expect(page.Locator("#sensors")).ToHaveAttributeAsync("aria-rowcount", "61");
        await Expect(rows.First).ToHaveAttributeAsync("data-sensor", "s-00");
        await Expect(lastRow).ToHaveCountAsync(0);
        Assert.InRange(await rows.CountAsync(), 1, ids.Length - 1);

        // Drawing s-59 lets the test see, through the chart, that its update has reached the page.
        await page.GetByLabel("Show s-00").UncheckAsync();
        await table.EvaluateAsync("table => { table.scrollTop = table.scrollHeight; }");
        await page.GetByLabel("Show s-59").CheckAsync();
        await Expect(lastRow.Locator("td.points")).ToHaveTextAsync("2");
        await Expect(lastRow).ToHaveAttributeAsync("aria-rowindex", "61");
        await table.EvaluateAsync("table => { table.scrollTop = 0; }");
        await Expect(lastRow).ToHaveCountAsync(0);
        await producer.ProduceAsync(Window("s-59", 20, 21, 23.5));
        await page.WaitForFunctionAsync("() => sensorChart.pointCount('s-59') === 3");

        await table.EvaluateAsync("table => { table.scrollTop = table.scrollHeight; }");
        await Expect(lastRow.Locator("td.points")).ToHaveTextAsync("3");
        await Expect(lastRow.Locator("td.last")).ToHaveTextAsync("23.50");
        await Expect(page.GetByLabel("Show s-59")).ToBeCheckedAsync();
        await Expect(page.GetByLabel("Show s-58")).ToBeDisabledAsync(); // two on the chart, the limit

        // Filtered while scrolled to the bottom: the ten matching rows, though the table is now shorter than the scroll.
        await page.GetByLabel("Filter sensors by id").FillAsync("s-0");
        await Expect(rows.Locator(".sensor-id")).ToHaveTextAsync(ids[..10]);
    }

    [Fact]
    public async Task SensorIdWithMarkupRendersAsTextWithoutRunningIt()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "xss");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window(Markup, 20, 22, 21));
        await producer.ProduceAsync(Window("temp1", 25, 24, 26));
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var dialogs = new List<string>();
        var dialogSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            dialogSeen.TrySetResult();
            await dialog.DismissAsync();
        };

        await page.GotoAsync(app.BaseAddress.ToString());
        await Expect(page.Locator("tr[data-sensor] .sensor-id")).ToHaveTextAsync([Markup, "temp1"]);
        await Expect(page.Locator(".u-legend .u-label").GetByText(Markup, new() { Exact = true })).ToBeVisibleAsync();
        // A later update drawn means any image error handler from the first one has had its chance to run.
        await producer.ProduceAsync(Window("temp1", 25, 24, 26, 27));
        await page.WaitForFunctionAsync("() => sensorChart.pointCount('temp1') === 4");

        Assert.Equal(0, await page.Locator("img").CountAsync());
        Assert.Empty(dialogs);
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("chart-markup-sensor.png"), FullPage = true });
        // Control: the same text parsed as HTML does fire a dialog, so the listener above would have caught it.
        await page.EvaluateAsync("markup => document.body.insertAdjacentHTML('beforeend', markup)", Markup);
        await dialogSeen.Task.WaitAsync(ChartAppExtensions.Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(["1"], dialogs);
    }
}
