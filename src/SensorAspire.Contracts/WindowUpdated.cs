using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

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
    DateTimeOffset PublishedAt) : ISensorMessage
{
    /// <summary>The schema version this code writes and the only one it reads.</summary>
    public const int Version = 1;

    /// <summary>Schema version of the JSON message.</summary>
    public int V { get; init; } = Version;

    /// <summary>The message value: UTF-8 JSON.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, ContractsJsonContext.Default.WindowUpdated);

    /// <summary>
    /// Reads a message (key and UTF-8 JSON value; a tombstone is the caller's to handle). Valid: version
    /// <see cref="Version"/>, a sensor id equal to the key, points (none of them null), stats and a source position: the
    /// aggregator restores windows from these and the chart's page draws them. Otherwise returns false with the reason.
    /// </summary>
    public static bool TryRead(string? key, ReadOnlySpan<byte> value, [NotNullWhen(true)] out WindowUpdated? update, out ReadFailure failure)
    {
        if (!SensorMessage.TryRead(key, value, ContractsJsonContext.Default.WindowUpdated, Version, WindowUpdatedReader.TryReadAsWritten, out update, out failure))
        {
            return false;
        }

        if (update.Points is null || update.Points.Any(p => p is null) || update.Stats is null || update.Source.Topic is null)
        {
            update = null;
            return ReadFailure.Fail(ReadFailure.InvalidWindow, "points (without nulls), stats and source are required", out failure);
        }

        return true;
    }
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
