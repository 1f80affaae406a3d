using System.Globalization;
using Confluent.Kafka;
using SensorAspire.Testing;

namespace SensorAspire.AppHost.Tests;

/// <summary>The AppHost as a user runs it: every resource healthy, the tutorial's sensors on the chart, one trace per reading.</summary>
[Collection(AppHostCollection.Name)]
public sealed class RunningAppHostTests(RunningAppHost appHost)
{
    [Fact]
    public async Task EveryResourceBecomesHealthy()
    {
        foreach (var name in RunningAppHost.ResourceNames)
        {
            var state = await appHost.App.ResourceNotifications.WaitForResourceHealthyAsync(name, TestContext.Current.CancellationToken)
                .WaitAsync(RunningAppHost.Timeout, TestContext.Current.CancellationToken);

            Assert.Equal(KnownResourceStates.Running, state.Snapshot.State?.Text);
        }
    }

    [Fact]
    public async Task ChartShowsTheTutorialsTwoSensors()
    {
        var windows = await appHost.WaitForWindowsAsync(w => w.ContainsKey("temp1") && w.ContainsKey("temp2"),
            "windows of temp1 and temp2 in /api/windows");

        Assert.NotEmpty(windows["temp1"]);
        Assert.NotEmpty(windows["temp2"]);
    }

    [Fact]
    public async Task DashboardShowsOneTraceFromTheSimulatorThroughTheAggregatorToTheChart()
    {
        var trace = await appHost.WaitForReadingTraceAsync();

        // The page's draw span joins the trace when a browser has the chart open (BrowserTests share this AppHost).
        Assert.Equal(["aggregator", "chart", "simulator"],
            trace.Where(s => (s.Name, s.Service) != DashboardTraces.DrawStep).Select(s => s.Service).Distinct().Order());
    }

    [Fact]
    public async Task ATutorialMessageOnSensorDataAppearsOnTheChart()
    {
        // Outside the simulator's ranges ([20,39] and [10,29]), so only this message can put them on the chart.
        const double temp1 = 91.25, temp2 = 92.5;
        var value = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm:ss.ffffff},{temp1},{temp2}");
        // Configured as the tutorial configures its producer: "localhost:<port>", key "key", topic SensorData.
        var bootstrap = appHost.BootstrapServers.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap }).Build())
        {
            await producer.ProduceAsync("SensorData", new Message<string, string> { Key = "key", Value = value },
                TestContext.Current.CancellationToken);
        }

        await appHost.WaitForWindowsAsync(
            w => w.TryGetValue("temp1", out var t1) && t1.Contains(temp1) && w.TryGetValue("temp2", out var t2) && t2.Contains(temp2),
            "the tutorial message's values on the chart");
    }
}
