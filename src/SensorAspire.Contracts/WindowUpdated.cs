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
    DateTimeOffset PublishedAt)
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
        update = null;
        failure = default;
        if (value.IsEmpty)
        {
            return ReadFailure.Fail(ReadFailure.EmptyValue, "the message has no value", out failure);
        }

        WindowUpdated? message;
        try
        {
            message = WindowUpdatedReader.TryReadAsWritten(key, value, out var written)
                ? written
                : JsonSerializer.Deserialize(value, ContractsJsonContext.Default.WindowUpdated);
        }
        catch (JsonException ex)
        {
            return ReadFailure.Fail(ReadFailure.InvalidJson, ex.Message, out failure);
        }

        if (message is null)
        {
            return ReadFailure.Fail(ReadFailure.InvalidJson, "the value is JSON null", out failure);
        }

        if (message.V != Version)
        {
            return ReadFailure.Fail(ReadFailure.UnsupportedVersion, $"window version {message.V} is not supported (expected {Version})", out failure);
        }

        if (string.IsNullOrEmpty(message.SensorId))
        {
            return ReadFailure.Fail(ReadFailure.MissingSensorId, "sensorId is missing", out failure);
        }

        if (!string.Equals(key, message.SensorId, StringComparison.Ordinal))
        {
            return ReadFailure.Fail(ReadFailure.KeyMismatch, $"key '{key}' differs from sensorId '{message.SensorId}'", out failure);
        }

        if (message.Points is null || message.Points.Any(p => p is null) || message.Stats is null || message.Source.Topic is null)
        {
            return ReadFailure.Fail(ReadFailure.InvalidWindow, "points (without nulls), stats and source are required", out failure);
        }

        update = message;
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
