namespace SensorAspire.Contracts;

/// <summary>
/// The rolling window of one sensor after a change, as the aggregator writes it to <see cref="TopicNames.Windows"/>
/// (key: sensor id, compacted topic: the latest update per sensor is the sensor's current window).
/// </summary>
/// <param name="SensorId">The sensor; also the Kafka message key.</param>
/// <param name="Points">The last N readings, oldest first.</param>
/// <param name="Stats">Statistics over <paramref name="Points"/>.</param>
/// <param name="Source">Where the newest applied reading came from, so a restarted aggregator can skip what it applied.</param>
/// <param name="PublishedAt">When the aggregator published this update (UTC).</param>
public sealed record WindowUpdated(
    string SensorId,
    IReadOnlyList<WindowPoint> Points,
    WindowStats Stats,
    SourcePosition Source,
    DateTimeOffset PublishedAt)
{
    /// <summary>Schema version of the JSON message.</summary>
    public int V { get; init; } = 1;
}

/// <summary>One reading inside a window.</summary>
public sealed record WindowPoint(DateTimeOffset Timestamp, double Value);

/// <summary>Statistics over a window's points.</summary>
public sealed record WindowStats(int Count, double Min, double Max, double Mean, double Last);

/// <summary>
/// A position in the aggregator's input: topic, partition and offset of a consumed message. The aggregator carries it
/// from the consumer to the window store and into <see cref="WindowUpdated.Source"/> (the last applied message).
/// </summary>
public readonly record struct SourcePosition(string Topic, int Partition, long Offset);
