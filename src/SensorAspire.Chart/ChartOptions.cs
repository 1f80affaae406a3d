using SensorAspire.Contracts;

namespace SensorAspire.Chart;

/// <summary>Settings of the chart service, bound from the <c>Chart</c> configuration section.</summary>
public sealed class ChartOptions
{
    public const string SectionName = "Chart";

    /// <summary>Compacted topic of window updates written by the aggregator (same key as <c>Aggregator:WindowsTopic</c>).</summary>
    public string WindowsTopic { get; set; } = TopicNames.Windows;

    /// <summary>Most sensors kept in memory; updates for further sensors are ignored (and logged once).</summary>
    public int MaxSensors { get; set; } = 1000;

    /// <summary>
    /// Most sensors the page draws at once (uPlot stays smooth, the chart readable); it starts with the first ones by
    /// id and the viewer picks others.
    /// </summary>
    public int MaxSensorsShown { get; set; } = 8;

    /// <summary>
    /// Per-client buffer: how many sensors may wait to be written to one SSE client. Updates of the same sensor
    /// replace each other, so a slow client skips intermediate windows; a client with more distinct sensors
    /// waiting than this is disconnected (its browser reconnects and starts again from the current windows).
    /// </summary>
    public int ClientBufferSize { get; set; } = 1000;

    /// <summary>How often the consumer looks for partitions added to <see cref="WindowsTopic"/> once it reads it.</summary>
    public TimeSpan PartitionRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether the page records its draw spans and posts them to the chart's <c>POST /otlp/v1/traces</c>, which forwards
    /// them to the chart's own OTLP/HTTP endpoint (<c>OTEL_EXPORTER_OTLP_*</c>) with the headers only the chart holds.
    /// Off by default: the route does not exist and the page loads no telemetry code. The AppHost turns it on in run mode.
    /// </summary>
    public bool BrowserTelemetry { get; set; }

    /// <summary>
    /// Largest export the forwarder accepts, in bytes (larger: 413). The page's batches of up to 512 draw spans are
    /// well under 100 KiB.
    /// </summary>
    public int BrowserTelemetryMaxExportBytes { get; set; } = 256 * 1024;

    /// <summary>Exports one client (remote IP address) may post per minute (more: 429); the page posts at most a few per second.</summary>
    public int BrowserTelemetryExportsPerMinute { get; set; } = 300;
}
