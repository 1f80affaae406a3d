namespace SensorAspire.Aggregator;

/// <summary>One reading ready for a window.</summary>
internal readonly record struct DecodedReading(string SensorId, long UtcTicks, double Value);
