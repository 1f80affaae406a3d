using SensorAspire.Contracts;

namespace SensorAspire.Simulator;

/// <summary>
/// Settings of the simulator, bound from <see cref="SectionName"/> and validated at start. The defaults reproduce the
/// seed tutorial's producer: sensors temp1 and temp2, one reading each every 2 s, uniform in [20, 39] and [10, 29].
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Simulator";

    /// <summary>The tutorial's interval, used when neither <see cref="Interval"/> nor <see cref="TargetRate"/> is set.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Topic the JSON readings go to (key: sensor id). The aggregator creates it (<c>Aggregator:ReadingsTopic</c>,
    /// <c>Aggregator:Partitions</c>); the simulator waits for it before sending.
    /// </summary>
    public string Topic { get; set; } = TopicNames.Readings;

    /// <summary>Number of sensors; their ids are <see cref="SensorIdPrefix"/>1 .. <see cref="SensorIdPrefix"/>N.</summary>
    public int SensorCount { get; set; } = 2;

    /// <summary>Prefix of the sensor ids.</summary>
    public string SensorIdPrefix { get; set; } = "temp";

    /// <summary>Steady mode: every sensor sends one reading per interval (default 2 s). Exclusive with <see cref="TargetRate"/>.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Load mode: total readings per second across all sensors, paced every millisecond, never awaiting a send.</summary>
    public double? TargetRate { get; set; }

    /// <summary>How values evolve: <see cref="ValuePattern.Uniform"/> (the tutorial) or <see cref="ValuePattern.RandomWalk"/>.</summary>
    public ValuePattern Pattern { get; set; } = ValuePattern.Uniform;

    /// <summary>Largest step of a random walk, in degrees.</summary>
    public double RandomWalkStep { get; set; } = 0.5;

    /// <summary>Value ranges cycled over the sensors; empty means the tutorial's [20, 39] then [10, 29].</summary>
    public List<ValueRange> Ranges { get; set; } = [];

    /// <summary>Stop after this many readings in total (tests, benchmarks); null runs until stopped.</summary>
    public long? MaxReadings { get; set; }

    /// <summary>Seed of the random generator, for reproducible runs; null seeds randomly.</summary>
    public int? Seed { get; set; }

    /// <summary>The ranges in effect (the tutorial's when none are configured).</summary>
    public IReadOnlyList<ValueRange> EffectiveRanges => Ranges.Count > 0 ? Ranges : [new(20, 39), new(10, 29)];

    /// <summary>The id of sensor <paramref name="index"/> (0-based).</summary>
    public string SensorId(int index) => string.Concat(SensorIdPrefix, (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
}
