namespace SensorAspire.Contracts;

/// <summary>
/// One temperature reading, as the simulator writes it to <see cref="TopicNames.Readings"/> (key: sensor id).
/// </summary>
/// <param name="SensorId">Stable id of the sensor; also the Kafka message key.</param>
/// <param name="Timestamp">When the sensor measured the value (UTC).</param>
/// <param name="Value">Temperature in degrees Celsius.</param>
public sealed record SensorReading(string SensorId, DateTimeOffset Timestamp, double Value)
{
    /// <summary>Schema version of the JSON message; readers reject versions they do not know.</summary>
    public int V { get; init; } = 1;
}
