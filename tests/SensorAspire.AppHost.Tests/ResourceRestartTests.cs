using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SensorAspire.Contracts;
using SensorAspire.Testing;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// Every resource can crash or be stopped, and be started again from the dashboard, while the others run: the chart
/// draws new readings within 5 s of the start, and no window gains or loses a point against what the broker acknowledged.
/// </summary>
/// <remarks>
/// The 5 s bound is the (19) and is asserted here on purpose; the times themselves are the <c>recovery</c>
/// benchmark's. A reading is due every 2 s (the tutorial's pace), so a pipeline that is back within 3 s meets it.
/// </remarks>
[Collection(AppHostCollection.Name)]
public sealed class ResourceRestartTests(RunningAppHost appHost)
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(50);
    private static readonly string[] s_sensors = ["temp1", "temp2"];

    [Theory]
    [InlineData("kafka")]
    [InlineData("aggregator")]
    [InlineData("chart")]
    [InlineData("simulator")]
    public async Task AfterACrashAndAfterAStopTheChartDrawsNewReadingsWithinFiveSecondsOfTheStartAndNoWindowGainsOrLosesAPoint(string resource)
    {
        var control = new ResourceControl(appHost.App);
        await WaitForPipelineAsync(appHost.App, appHost.ChartUrl);
        // The other tests share this AppHost: whatever happens here, the resource runs again afterwards.
        await using var restore = control.StartedAgainWhenDisposed(resource);

        var afterCrash = await RecoverAsync(appHost.ChartUrl, () => control.KillAsync(resource), () => StartNowAsync(control, resource), $"{resource} killed and started");
        await AssertEveryWindowHoldsTheAcknowledgedReadingsAsync(appHost.ChartUrl, appHost.BootstrapServers, since: DateTimeOffset.MinValue);
        var afterStop = await RecoverAsync(appHost.ChartUrl, () => control.StopAsync(resource), () => StartNowAsync(control, resource), $"{resource} stopped and started");
        await AssertEveryWindowHoldsTheAcknowledgedReadingsAsync(appHost.ChartUrl, appHost.BootstrapServers, since: DateTimeOffset.MinValue);

        TestContext.Current.TestOutputHelper?.WriteLine($"{resource}: a new reading on the chart {afterCrash.TotalSeconds:F2} s after the start that followed a crash, {afterStop.TotalSeconds:F2} s after the one that followed a stop");
        Assert.True(afterCrash <= s_bound, $"after a crash of {resource}, the chart drew a new reading {afterCrash.TotalSeconds:F2} s after the start");
        Assert.True(afterStop <= s_bound, $"after a stop of {resource}, the chart drew a new reading {afterStop.TotalSeconds:F2} s after the start");
        if (resource == "kafka")
        {
            await AssertTopicsAsCreatedAsync(appHost.BootstrapServers);
        }
    }

    [Fact]
    public async Task AMemoryOnlyBrokerRestartedFromTheDashboardComesBackEmptyAndThePipelineCreatesItsTopicsAgainAndCarriesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = FreePorts.Next();
        // With a dashboard, as a user has one: the services' telemetry has somewhere to go, also as they stop.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>(
            [$"--Kafka:Port={port}", "--Kafka:MemoryOnly=true"], (options, _) => options.DisableDashboard = false, ct);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        await using var app = await builder.BuildAsync(ct);
        await app.StartAsync(ct).WaitAsync(RunningAppHost.Timeout, ct);
        var chart = app.GetEndpoint("chart", "http");
        var bootstrapServers = $"127.0.0.1:{port}";
        var control = new ResourceControl(app);
        await WaitForPipelineAsync(app, chart);

        var (started, startedAt) = await control.RestartAsync("kafka");
        // Readings sent after the new broker started can only be the new cluster's (the old one kept serving while it
        // stopped, so readings newer than the chart's newest before the restart may still be the old cluster's).
        var recovered = await ChartPoints.WaitForNewerAsync(chart, startedAt, started, s_poll, RunningAppHost.Timeout, "a reading after kafka's restart on the chart");
        // The broker came back without a single message: the windows made since are the new cluster's readings alone.
        await AssertEveryWindowHoldsTheAcknowledgedReadingsAsync(chart, bootstrapServers, since: startedAt);

        TestContext.Current.TestOutputHelper?.WriteLine($"memory-only kafka: a new reading on the chart {recovered.TotalSeconds:F2} s after the start");
        Assert.True(recovered <= s_bound, $"after a restart of a memory-only kafka, the chart drew a new reading {recovered.TotalSeconds:F2} s after the start");
        await AssertTopicsAsCreatedAsync(bootstrapServers);
    }

    /// <summary>
    /// Runs <paramref name="end"/> (a crash or a stop), then <paramref name="start"/>, and returns the time from the start
    /// to the chart's first answer that holds a reading newer than any it held when the start began (or, when the chart
    /// itself was ended, when it was last reachable): readings drawn while a resource was stopping do not count.
    /// </summary>
    private static async Task<TimeSpan> RecoverAsync(Uri chart, Func<Task> end, Func<Task<long>> start, string what)
    {
        var before = await NewestAsync(chart);
        await end();
        using (var client = ChartPoints.Client(chart))
        {
            // Null when the chart is the resource that ended.
            if (await ChartPoints.TryGetAsync(client, TestContext.Current.CancellationToken) is { } windows)
            {
                before = ChartPoints.Newest(windows);
            }
        }

        var started = await start();
        return await ChartPoints.WaitForNewerAsync(chart, before, started, s_poll, RunningAppHost.Timeout, $"a new reading on the chart after {what}");
    }

    private static async Task<long> StartNowAsync(ResourceControl control, string resource)
    {
        var started = Stopwatch.GetTimestamp();
        await control.StartAsync(resource);
        return started;
    }

    private static async Task WaitForPipelineAsync(DistributedApplication app, Uri chart)
    {
        foreach (var name in RunningAppHost.ResourceNames)
        {
            await new ResourceControl(app).WaitForHealthyAsync(name);
        }

        using var client = ChartPoints.Client(chart);
        await Wait.ForAsync(async ct => await ChartPoints.TryGetAsync(client, ct) is { } w && s_sensors.All(w.ContainsKey) ? w : null,
            "windows of temp1 and temp2 on the chart", RunningAppHost.Timeout, RunningAppHost.PollInterval);
    }

    /// <summary>
    /// The chart's newest reading, asked again until the chart answers: a chart started a moment ago (the previous case
    /// of the same test) may not answer yet, and an unanswered request must not hold the test.
    /// </summary>
    private static async Task<DateTimeOffset> NewestAsync(Uri chart)
    {
        using var client = ChartPoints.Client(chart);
        return ChartPoints.Newest(await Wait.ForAsync(ct => ChartPoints.TryGetAsync(client, ct),
            "the chart's newest reading", RunningAppHost.Timeout, RunningAppHost.PollInterval));
    }

    /// <summary>
    /// Each sensor's window on the chart is exactly the newest acknowledged readings up to its newest point: a reading
    /// applied twice, or one lost, would show as a point too many or a gap. Waits until every window has a point after
    /// <paramref name="since"/>, and reads the topics after the chart, so that they hold whatever the windows show.
    /// </summary>
    private static async Task AssertEveryWindowHoldsTheAcknowledgedReadingsAsync(Uri chart, string bootstrapServers, DateTimeOffset since)
    {
        using var client = ChartPoints.Client(chart);
        var windows = await Wait.ForAsync(async ct => await ChartPoints.TryGetAsync(client, ct) is { } w
                && s_sensors.All(s => w.TryGetValue(s, out var points) && points.Length > 0 && points[^1].Timestamp > since) ? w : null,
            "a window of temp1 and temp2 on the chart", RunningAppHost.Timeout, RunningAppHost.PollInterval);
        var acknowledged = AcknowledgedReadings.Read(bootstrapServers);

        Assert.All(s_sensors, sensor =>
        {
            var window = windows[sensor];
            var expected = acknowledged[sensor].Where(r => r.Timestamp <= window[^1].Timestamp).OrderBy(r => r.Timestamp).TakeLast(window.Length);
            Assert.Equal(expected, window);
        });
    }

    /// <summary>The topics as the aggregator creates them: its partition count, and the windows topic compacted.</summary>
    private static async Task AssertTopicsAsCreatedAsync(string bootstrapServers)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var partitions = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);
        var windows = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = TopicNames.Windows }])).Single();

        Assert.Equal(8, partitions[TopicNames.Readings]);
        Assert.Equal(8, partitions[TopicNames.Windows]);
        Assert.Equal("compact", windows.Entries["cleanup.policy"].Value);
    }
}
