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
}
