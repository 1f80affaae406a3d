using System.Diagnostics.Metrics;

namespace SensorAspire.Chart;

/// <summary>The chart's instruments, created from <see cref="IMeterFactory"/> so tests can observe them per host.</summary>
public sealed class ChartMetrics
{
    // Seconds, from a few milliseconds (same machine) up to the 10 s a stuck pipeline would show.
    private static readonly double[] s_latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _pushLatency;
    private readonly Counter<long> _windowUpdates;
    private readonly UpDownCounter<long> _clients;
    private readonly Counter<long> _clientsDropped;
    private readonly Counter<long> _browserExports;

    public ChartMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(ChartTelemetry.Name);
        _pushLatency = meter.CreateHistogram(
            "sensoraspire.chart.push.latency",
            unit: "s",
            description: "Time from the newest reading's timestamp in a window to the window being written to an SSE client.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_latencyBuckets });
        _windowUpdates = meter.CreateCounter<long>("sensoraspire.chart.window_updates", "{update}", "Window updates read from Kafka.");
        _clients = meter.CreateUpDownCounter<long>("sensoraspire.chart.clients", "{client}", "Connected SSE clients.");
        _clientsDropped = meter.CreateCounter<long>(
            "sensoraspire.chart.clients.dropped", "{client}", "SSE clients disconnected because their buffer overflowed.");
        _browserExports = meter.CreateCounter<long>(
            "sensoraspire.chart.browser_telemetry.exports", "{export}",
            "Trace exports the page posted to the chart, by outcome: forwarded, failed (at the collector), dropped (queue full), refused.");
    }

    /// <summary>An export the collector accepted.</summary>
    public const string BrowserExportForwarded = "forwarded";

    /// <summary>An export the collector refused or did not answer in time.</summary>
    public const string BrowserExportFailed = "failed";

    /// <summary>An export refused because the forwarder's queue was full (503).</summary>
    public const string BrowserExportDropped = "dropped";

    /// <summary>An export refused by the route's checks (400, 413, 415, 429).</summary>
    public const string BrowserExportRefused = "refused";

    public void RecordPush(DateTimeOffset readingTimestamp, DateTimeOffset now)
        => _pushLatency.Record(Math.Max(0, (now - readingTimestamp).TotalSeconds));

    public void WindowUpdateRead() => _windowUpdates.Add(1);

    public void ClientConnected() => _clients.Add(1);

    public void ClientDisconnected() => _clients.Add(-1);

    public void ClientDropped() => _clientsDropped.Add(1);

    public void BrowserExport(string outcome) => _browserExports.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
