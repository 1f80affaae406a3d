using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SensorAspire.Testing;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>
/// <c>pixel</c>: reading → pixel latency from the spans. The real AppHost (Aspire.Hosting.Testing, dashboard on) runs
/// the simulator at a given rate, one Chromium opens the chart, and the dashboard's telemetry API then gives, for every
/// trace that ends in the page's <c>draw sensor-windows</c> span, the time from the simulator's <c>send sensor-readings</c>
/// start to the draw span's end (uPlot painted the update), and the draw span itself (the browser's share).
/// </summary>
/// <remarks>
/// Scenarios: the tutorial's (2 sensors, a reading each every 2 s) and load (1,000 readings/s over 1,000 sensors);
/// <c>--readings N --sensors N</c> runs one of your own, <c>--seconds N</c> sets the measuring period.
/// </remarks>
internal static class PixelLatencyBenchmark
{
    private const string ApiKey = "sensoraspire-bench-api-key";
    private const string DrawSpan = "draw sensor-windows";
    private const string SendSpan = "send sensor-readings";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = ChartBenchmark.Option(args, "--seconds", 20);
        // Percent of readings traced: 100 is what the AppHost gives in Development (Aspire sets OTEL_TRACES_SAMPLER=always_on);
        // below 100 every service gets a parent-based ratio sampler, as deployed (the simulator decides, the rest follow).
        var tracedPercent = ChartBenchmark.Option(args, "--traced-percent", 100);
        // "plain" (default): Chromium opened on the chart as a user opens it, with no DevTools client attached;
        // "playwright": driven by Playwright, whose DevTools session receives a protocol message for every SSE event.
        var driven = args.SkipWhile(a => a != "--browser").Skip(1).FirstOrDefault() == "playwright";
        if (args.Contains("--readings"))
        {
            return await RunScenarioAsync("custom", ChartBenchmark.Option(args, "--sensors", 1000),
                ChartBenchmark.Option(args, "--readings", 1000), seconds, tracedPercent, driven) ? 0 : 1;
        }

        var tutorial = await RunScenarioAsync("tutorial", 2, rate: null, Math.Max(seconds, 30), tracedPercent, driven);
        var load = await RunScenarioAsync("load", 1000, rate: 1000, seconds, tracedPercent, driven);
        return tutorial && load ? 0 : 1;
    }

    private static async Task<bool> RunScenarioAsync(string label, int sensors, int? rate, int seconds, int tracedPercent, bool driven)
    {
        Console.WriteLine($"pixel ({label}): {(rate is { } r ? $"{r} readings/s" : "a reading every 2 s per sensor")} over {sensors} sensors, the real AppHost, one Chromium on the chart ({(driven ? "driven by Playwright" : "no DevTools client attached")}), {seconds} s, "
            + (tracedPercent >= 100 ? "every reading traced (always_on, as Aspire sets in Development)" : $"{tracedPercent} % of readings traced (parentbased_traceidratio)"));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>(
            [$"--Kafka:Port={FreePorts.Next()}", $"--AppHost:DashboardApiKey={ApiKey}"], (options, _) => options.DisableDashboard = false);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        var simulator = builder.CreateResourceBuilder<ProjectResource>("simulator")
            .WithEnvironment("Simulator__SensorCount", sensors.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (rate is { } readings)
        {
            simulator.WithEnvironment("Simulator__TargetRate", readings.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (tracedPercent < 100)
        {
            foreach (var service in new[] { "simulator", "aggregator", "chart" })
            {
                builder.CreateResourceBuilder<ProjectResource>(service)
                    .WithEnvironment("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
                    .WithEnvironment("OTEL_TRACES_SAMPLER_ARG", (tracedPercent / 100.0).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        await using var app = await builder.BuildAsync();
        using var startTimeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await app.StartAsync(startTimeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("chart", startTimeout.Token);
        var chartUrl = app.GetEndpoint("chart", "http");
        using var dashboard = new HttpClient { BaseAddress = app.GetEndpoint("aspire-dashboard", "http"), Timeout = TimeSpan.FromMinutes(2) };
        dashboard.DefaultRequestHeaders.Add("x-api-key", ApiKey);

        await using var browser = driven ? await DrivenPageAsync(chartUrl) : PlainChromium.Open(chartUrl);
        // The page draws and exports its draw spans (every 500 ms) once its telemetry has loaded.
        await Wait.ForAsync(
            async ct => (await DashboardTraces.GetAsync(dashboard, ct, limit: 1_000)).Any(t => t.Any(s => s.Name == DrawSpan)) ? browser : null,
            "the page's first draw span in the dashboard", TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(1));

        await Task.Delay(TimeSpan.FromSeconds(5)); // settle after start-up; not a synchronisation
        var from = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(seconds)); // the measuring period itself
        var to = DateTimeOffset.UtcNow;
        // The page exports every 500 ms, the services' batch exporters every few seconds; under load a service's batch
        // queue may also drop spans, so a hop can be missing from a trace (the total needs only the first and last span).
        await Task.Delay(TimeSpan.FromSeconds(8));

        var traces = await DashboardTraces.GetAsync(dashboard, CancellationToken.None, limit: 100_000);
        // Where the time goes: from the start of each span on the path to the start of the next, then the draw itself.
        string[] hops = ["simulator send -> aggregator process", "aggregator process -> aggregator send", "aggregator send -> chart process", "chart process -> SSE event in the page", "SSE event in the page -> painted"];
        var hopSamples = hops.Select(_ => new LatencySamples()).ToArray();
        var total = new LatencySamples();
        var inBrowser = new LatencySamples();
        double totalSum = 0, browserSum = 0;
        foreach (var trace in traces)
        {
            var send = trace.FirstOrDefault(s => s.Name == SendSpan && s.ParentSpanId is null);
            var draw = trace.FirstOrDefault(s => s.Name == DrawSpan && s.Service == "chart-browser");
            if (send is null || draw is null || send.Start < from || send.Start > to)
            {
                continue;
            }

            var reading = (draw.End - send.Start).TotalMilliseconds;
            var browserPart = (draw.End - draw.Start).TotalMilliseconds;
            total.Add(reading);
            DashboardTraces.Span?[] path = [send, trace.FirstOrDefault(s => s.Name == "process sensor-readings"), trace.FirstOrDefault(s => s.Name == "send sensor-windows"),
                trace.FirstOrDefault(s => s.Name == "process sensor-windows"), draw];
            for (var i = 1; i < path.Length; i++)
            {
                if (path[i - 1] is { } before && path[i] is { } after)
                {
                    hopSamples[i - 1].Add((after.Start - before.Start).TotalMilliseconds);
                }
            }

            hopSamples[^1].Add((draw.End - draw.Start).TotalMilliseconds);
            inBrowser.Add(browserPart);
            totalSum += reading;
            browserSum += browserPart;
        }

        Console.WriteLine($"  traces in the dashboard: {traces.Count}; ending in a draw span, sent in the measuring period: {total.Count}");
        if (total.Count == 0)
        {
            Console.WriteLine("  NOT MEASURED: no trace ended in a draw span");
            return false;
        }

        var p99 = total.Percentile(99);
        Console.WriteLine($"  reading sent -> pixel painted: {total.Summary()} (load average {ChartBenchmark.LoadAverage()})");
        Console.WriteLine($"  of which in the browser (SSE event arrived -> painted): {inBrowser.Summary()}; share of the total time {100 * browserSum / totalSum:F1} %");
        for (var i = 0; i < hops.Length; i++)
        {
            Console.WriteLine($"    {hops[i],-40} n={hopSamples[i].Count}, p50 {hopSamples[i].Percentile(50),7:F1} ms, p99 {hopSamples[i].Percentile(99),7:F1} ms");
        }

        if (rate is >= 1000)
        {
            // The issue's target is for 1,000 readings/s; the tutorial's rate is reported only.
            Console.WriteLine($"  target: p99 <= 100 ms -> {(p99 <= 100 ? "met" : "NOT met")} ({p99:F1} ms)");
        }
        return true;
    }

    private static async Task<IAsyncDisposable> DrivenPageAsync(Uri chartUrl)
    {
        var browser = new BrowserFixture();
        await browser.InitializeAsync();
        var page = await browser.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 720 } });
        await page.GotoAsync(chartUrl.ToString());
        return browser;
    }
}
