using System.Buffers;
using System.Text.Json;

namespace SensorAspire.Contracts;

/// <summary>
/// Writes a <see cref="WindowUpdated"/> message value from its parts, without building the message and its point
/// objects: the same bytes as <see cref="WindowUpdated.ToUtf8Json"/> (same property names, order, number and date
/// formats, and encoder). One instance is reused for every update, by one thread.
/// </summary>
public sealed class WindowUpdatedWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;

    public WindowUpdatedWriter() => _json = new Utf8JsonWriter(_buffer);

    /// <summary>Starts an update of <paramref name="sensorId"/>; then <see cref="Point"/> for each point, oldest first.</summary>
    public void Start(string sensorId)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString("sensorId"u8, sensorId);
        _json.WriteStartArray("points"u8);
    }

    /// <summary>Writes the next point.</summary>
    public void Point(DateTimeOffset timestamp, double value)
    {
        _json.WriteStartObject();
        _json.WriteString("timestamp"u8, timestamp);
        _json.WriteNumber("value"u8, value);
        _json.WriteEndObject();
    }

    /// <summary>Ends the update and returns the message value.</summary>
    public byte[] Finish(WindowStats stats, SourcePosition source, DateTimeOffset publishedAt)
    {
        ArgumentNullException.ThrowIfNull(stats);
        _json.WriteEndArray();
        _json.WriteStartObject("stats"u8);
        _json.WriteNumber("count"u8, stats.Count);
        _json.WriteNumber("min"u8, stats.Min);
        _json.WriteNumber("max"u8, stats.Max);
        _json.WriteNumber("mean"u8, stats.Mean);
        _json.WriteNumber("last"u8, stats.Last);
        _json.WriteEndObject();
        _json.WriteStartObject("source"u8);
        _json.WriteString("topic"u8, source.Topic);
        _json.WriteNumber("partition"u8, source.Partition);
        _json.WriteNumber("offset"u8, source.Offset);
        _json.WriteEndObject();
        _json.WriteString("publishedAt"u8, publishedAt);
        _json.WriteNumber("v"u8, WindowUpdated.Version);
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenSpan.ToArray();
    }
}
