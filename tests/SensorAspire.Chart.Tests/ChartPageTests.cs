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
        await Expect(page.GetByLabel("Show s-1")).ToBeEnabledAsync();
        await Expect(page.GetByLabel("Show s-4")).ToBeDisabledAsync();
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
