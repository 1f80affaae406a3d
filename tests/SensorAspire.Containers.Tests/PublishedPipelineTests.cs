using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using SensorAspire.Testing;
using static Microsoft.Playwright.Assertions;

namespace SensorAspire.Containers.Tests;

/// <summary>
/// The published app deployed as containers (<see cref="PipelineDeployment"/>): the tutorial's sensors reach the chart,
/// a message in the tutorial's format reaches it too, one trace per reading reaches the dashboard, and SIGTERM stops
/// every container cleanly.
/// </summary>
public sealed class PublishedPipelineTests(ContainerImages images, BrowserFixture browser, ITestOutputHelper output)
{
    // Containers start on two cores shared with the rest of the suite; the dashboard sees a trace after the exporters'
    // batch delay (5 s by default).
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task ThePublishedManifestRunsAsContainersFromTheSensorsToTheDashboardAndStopsCleanlyOnSigterm()
    {
        output.WriteLine(string.Join(Environment.NewLine, images.Timings));
        var started = Stopwatch.StartNew();
        await using var deployment = await PipelineDeployment.StartAsync(images);
        var chart = deployment.HttpAddress("chart");

        var windows = await WaitForWindowsAsync(chart, w => w.ContainsKey("temp1") && w.ContainsKey("temp2"), "windows of temp1 and temp2");
        output.WriteLine($"containers started -> first windows of temp1 and temp2: {started.Elapsed.TotalSeconds:0.0} s");
        Assert.NotEmpty(windows["temp1"]);
        Assert.NotEmpty(windows["temp2"]);

        await ChartPageDrawsBothSensorsAsync(chart);
        await ServicesAnswerHealthAndAliveAsync(deployment);
        await ATutorialMessageReachesTheChartAsync(deployment, chart);
        await TheDashboardShowsOneTraceFromTheSimulatorThroughTheAggregatorToTheChartAsync(deployment);
        await EveryImageRunsAsANonRootUserAsync();

        // As a deployment stops them: the services, then the broker they commit to, then the dashboard they report to.
        var stopping = Stopwatch.StartNew();
        await deployment.StopAsync([.. deployment.Resources.Where(r => r is not "kafka" and not PipelineDeployment.DashboardName)]);
        await deployment.StopAsync("kafka");
        await deployment.StopAsync(PipelineDeployment.DashboardName);
        output.WriteLine($"podman stop of every container: {stopping.Elapsed.TotalSeconds:0.0} s");

        foreach (var resource in deployment.Resources)
        {
            Assert.True(await Podman.ExitCodeAsync(deployment.Container(resource)) == 0,
                $"{resource} exited with {await Podman.ExitCodeAsync(deployment.Container(resource))} on SIGTERM");
        }

        await LogsGoToStandardOutputAsync(deployment);
    }

    private async Task ChartPageDrawsBothSensorsAsync(Uri chart)
    {
        var page = await browser.Browser.NewPageAsync();
        await page.GotoAsync(chart.ToString());

        await Expect(page.Locator(".u-legend .u-series:not(:first-child) .u-label")).ToHaveTextAsync(["temp1", "temp2"]);
        await page.WaitForFunctionAsync("() => sensorChart.pointCount('temp1') > 0 && sensorChart.pointCount('temp2') > 0");
        await page.CloseAsync();
    }

    private static async Task ServicesAnswerHealthAndAliveAsync(PipelineDeployment deployment)
    {
        using var http = new HttpClient();
        foreach (var resource in deployment.Resources.Where(r => r is not PipelineDeployment.DashboardName and not "kafka"))
        {
            foreach (var path in new[] { "health", "alive" })
            {
                var address = new Uri(deployment.HttpAddress(resource), path);
                await Wait.ForAsync(async ct =>
                {
                    using var response = await http.GetAsync(address, ct);
                    return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
                }, $"{resource} to answer {address} with 200", s_timeout, s_pollInterval);
            }
        }
    }

    private async Task ATutorialMessageReachesTheChartAsync(PipelineDeployment deployment, Uri chart)
    {
        // Outside the simulator's ranges ([20,39] and [10,29]), so only this message can put them on the chart.
        const double temp1 = 91.25, temp2 = 92.5;
        var value = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss.ffffff},{temp1},{temp2}");

        // The tutorial's producer as kcat, on the deployment's network where the broker's advertised name resolves.
        await Podman.RunWithInputAsync(value + "\n", "run", "--rm", "--interactive", "--label", Podman.Label,
            "--network", deployment.Network, images.Kcat, "-P", "-b", "kafka:9092", "-t", "SensorData", "-k", "key");

        await WaitForWindowsAsync(chart,
            w => w.TryGetValue("temp1", out var t1) && t1.Contains(temp1) && w.TryGetValue("temp2", out var t2) && t2.Contains(temp2),
            "the tutorial message's values on the chart");
    }

    private static async Task TheDashboardShowsOneTraceFromTheSimulatorThroughTheAggregatorToTheChartAsync(PipelineDeployment deployment)
    {
        var trace = await Wait.ForAsync(async ct =>
        {
            try
            {
                return (await DashboardTraces.GetAsync(deployment.Dashboard, ct)).FirstOrDefault(DashboardTraces.HoldsReadingPath)?.ToList();
            }
            catch (HttpRequestException)
            {
                return null; // the dashboard container is still starting
            }
        }, "a trace from the simulator's send to the chart's process in the dashboard container", s_timeout, s_pollInterval);

        Assert.Equal(["aggregator", "chart", "simulator"], trace.Select(s => s.Service).Distinct().Order());
    }

    private async Task EveryImageRunsAsANonRootUserAsync()
    {
        foreach (var image in images.ByResource.Values.Append(images.Dashboard))
        {
            var user = await Podman.RunAsync("image", "inspect", "--format", "{{.Config.User}}", image);
            Assert.False(user is "" or "0" or "root", $"{image} runs as '{user}'");
        }
    }

    private static async Task LogsGoToStandardOutputAsync(PipelineDeployment deployment)
    {
        Assert.Contains("bootstrap servers: kafka:9092", await deployment.StandardOutputAsync("kafka"), StringComparison.Ordinal);
        foreach (var resource in deployment.Resources.Where(r => r is not PipelineDeployment.DashboardName and not "kafka"))
        {
            Assert.Contains("Application started", await deployment.StandardOutputAsync(resource), StringComparison.Ordinal);
        }
    }

    private static async Task<Dictionary<string, double[]>> WaitForWindowsAsync(
        Uri chart, Func<Dictionary<string, double[]>, bool> condition, string what)
    {
        using var http = new HttpClient { BaseAddress = chart };
        return await Wait.ForAsync(async ct =>
        {
            try
            {
                using var windows = await http.GetFromJsonAsync<JsonDocument>("api/windows", ct);
                var bySensor = windows!.RootElement.EnumerateArray().ToDictionary(
                    w => w.GetProperty("sensorId").GetString()!,
                    w => w.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).ToArray());
                return condition(bySensor) ? bySensor : null;
            }
            catch (HttpRequestException)
            {
                return null; // the chart container is still starting
            }
        }, what, s_timeout, s_pollInterval);
    }
}
