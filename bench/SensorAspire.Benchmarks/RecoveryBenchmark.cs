using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SensorAspire.Testing;

namespace SensorAspire.Benchmarks;

/// <summary>
/// recovery: how long the pipeline takes to draw again after a resource is started from the dashboard. The real AppHost
/// (Debug or Release, as built) with the tutorial's two sensors; for each of kafka, aggregator, chart and simulator,
/// N times: SIGKILL, then Start (timed from the Start command), and Restart (timed from the moment the new process is
/// starting). Each time is measured to the chart's first <c>/api/windows</c> answer (asked every 50 ms) that holds a
/// reading newer than any it held before. A reading is due every 2 s, so about 1 s of each figure is the wait for it.
/// </summary>
internal static class RecoveryBenchmark
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);
    private static readonly string[] s_resources = ["kafka", "aggregator", "chart", "simulator"];

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = Chart.ChartBenchmark.Option(args, "--runs", 5);
        Console.WriteLine($"recovery: the real AppHost, the tutorial's two sensors; per resource {runs} x (SIGKILL then Start) and {runs} x Restart; target: a new reading on the chart within 5 s");
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>([$"--Kafka:Port={FreePorts.Next()}"]);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        await using var app = await builder.BuildAsync();
        using (var startTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            await app.StartAsync(startTimeout.Token);
        }

        var chart = app.GetEndpoint("chart", "http");
        await WaitForPipelineAsync(app, chart);
        var met = true;
        Console.WriteLine("| resource | Start after SIGKILL: median / worst | Restart: median / worst |");
        Console.WriteLine("|---|---|---|");
        foreach (var resource in s_resources)
        {
            List<double> afterKill = [], afterRestart = [];
            for (var i = 0; i < runs; i++)
            {
                afterKill.Add(await AfterKillAndStartAsync(app, chart, resource));
                await WaitForPipelineAsync(app, chart);
                afterRestart.Add(await AfterRestartAsync(app, chart, resource));
                await WaitForPipelineAsync(app, chart);
            }

            met &= afterKill.Max() <= 5 && afterRestart.Max() <= 5;
            Console.WriteLine($"| {resource} | {Median(afterKill):F2} s / {afterKill.Max():F2} s | {Median(afterRestart):F2} s / {afterRestart.Max():F2} s |");
        }

        Console.WriteLine(met ? "target met: every run drew a new reading within 5 s" : "TARGET MISSED: a run took longer than 5 s");
        return met ? 0 : 1;
    }

    private static async Task<double> AfterKillAndStartAsync(DistributedApplication app, Uri chart, string resource)
    {
        var before = await NewestAsync(chart);
        using (var process = Process.GetProcessById(ProcessId(app, resource)))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        await app.ResourceNotifications.WaitForResourceAsync(resource, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text))
            .WaitAsync(s_timeout);
        var started = Stopwatch.GetTimestamp();
        await ExecuteAsync(app, resource, KnownResourceCommands.StartCommand);
        return (await ChartPoints.WaitForNewerAsync(chart, before, started, s_poll, s_timeout, $"a reading after {resource} was started")).TotalSeconds;
    }

    private static async Task<double> AfterRestartAsync(DistributedApplication app, Uri chart, string resource)
    {
        var before = await NewestAsync(chart);
        using var watching = new CancellationTokenSource(s_timeout);
        var started = StartOfNextRunAsync(app, resource, watching.Token);
        await ExecuteAsync(app, resource, KnownResourceCommands.RestartCommand);
        return (await ChartPoints.WaitForNewerAsync(chart, before, await started, s_poll, s_timeout, $"a reading after {resource} was restarted")).TotalSeconds;
    }

    /// <summary>The moment a resource that ended is starting again, as the dashboard sees it (a Stopwatch timestamp).</summary>
    private static async Task<long> StartOfNextRunAsync(DistributedApplication app, string resource, CancellationToken cancellationToken)
    {
        var ended = false;
        await foreach (var e in app.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (e.Resource.Name != resource)
            {
                continue;
            }

            if (KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text))
            {
                ended = true;
            }
            else if (ended && e.Snapshot.State?.Text is { } state && state != KnownResourceStates.Waiting)
            {
                return Stopwatch.GetTimestamp();
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    private static int ProcessId(DistributedApplication app, string resource)
        => app.ResourceNotifications.TryGetCurrentState(resource, out var state)
            && state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is int pid
                ? pid
                : throw new InvalidOperationException($"{resource} has no process");

    private static async Task ExecuteAsync(DistributedApplication app, string resource, string command)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(resource, command).WaitAsync(s_timeout);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} {resource}: {result.Message}");
        }
    }

    private static async Task WaitForPipelineAsync(DistributedApplication app, Uri chart)
    {
        foreach (var resource in s_resources)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource).WaitAsync(s_timeout);
        }

        await ChartPoints.WaitForNewerAsync(chart, DateTimeOffset.MinValue, Stopwatch.GetTimestamp(), s_poll, s_timeout, "a reading on the chart");
    }

    /// <summary>The chart's newest reading, asked again until the chart answers (DCP's proxy holds requests to a chart that is not running).</summary>
    private static async Task<DateTimeOffset> NewestAsync(Uri chart)
    {
        using var client = ChartPoints.Client(chart);
        return ChartPoints.Newest(await Wait.ForAsync(ct => ChartPoints.TryGetAsync(client, ct), "the chart's newest reading", s_timeout, s_poll));
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
