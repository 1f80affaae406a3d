namespace SensorAspire.Standalone;

/// <summary>
/// Settings of the standalone run, from the command line (<c>--chart-port 5080</c>), configuration keys
/// (<c>--Standalone:ChartPort=5080</c>) or environment variables (<c>Standalone__ChartPort=5080</c>).
/// </summary>
public sealed class StandaloneOptions
{
    public const string SectionName = "Standalone";

    /// <summary>HTTP port of the chart on localhost.</summary>
    public int ChartPort { get; set; } = 5080;

    /// <summary>Port of the embedded broker; 9092 lets the tutorial's producer (localhost:9092) feed the chart unchanged.</summary>
    public int BrokerPort { get; set; } = 9092;

    /// <summary>Number of simulated sensors; null keeps the simulator's default.</summary>
    public int? SensorCount { get; set; }

    /// <summary>Milliseconds between two readings of one sensor (simulator steady mode); null keeps the simulator's default.</summary>
    public int? IntervalMilliseconds { get; set; }

    /// <summary>Readings per second across all sensors (simulator load mode); exclusive with <see cref="IntervalMilliseconds"/>.</summary>
    public double? TargetRate { get; set; }

    /// <summary>Where the broker keeps topics and offsets across runs; null keeps everything in memory.</summary>
    public string? DataDirectory { get; set; }
}
