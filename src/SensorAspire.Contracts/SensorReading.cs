using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SensorAspire.Contracts;

/// <summary>
/// One temperature reading, as the simulator writes it to <see cref="TopicNames.Readings"/> (key: sensor id).
/// </summary>
/// <param name="SensorId">Stable id of the sensor; also the Kafka message key.</param>
/// <param name="Timestamp">When the sensor measured the value (UTC).</param>
/// <param name="Value">Temperature in degrees Celsius.</param>
public sealed record SensorReading(string SensorId, DateTimeOffset Timestamp, double Value) : ISensorMessage
{
    /// <summary>The schema version this code writes and the only one it reads.</summary>
    public const int Version = 1;

    // Property names in the order ToUtf8Json writes them; a name's bit is 1 << its index.
    private static readonly byte[][] s_properties = ["sensorId"u8.ToArray(), "timestamp"u8.ToArray(), "value"u8.ToArray(), "v"u8.ToArray()];

    /// <summary>Schema version of the JSON message; readers reject versions they do not know.</summary>
    public int V { get; init; } = Version;

    /// <summary>The message value: UTF-8 JSON.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, ContractsJsonContext.Default.SensorReading);

    /// <summary>
    /// Reads a message (key and UTF-8 JSON value). Valid: version <see cref="Version"/>, a sensor id equal to the key
    /// (per-sensor ordering and replay detection rely on every reading of a sensor sharing a partition), a timestamp and
    /// a finite value. Otherwise returns false with the reason.
    /// </summary>
    public static bool TryRead(string? key, ReadOnlySpan<byte> value, [NotNullWhen(true)] out SensorReading? reading, out ReadFailure failure)
    {
        if (!SensorMessage.TryRead(key, value, ContractsJsonContext.Default.SensorReading, Version, TryReadAsWritten, out reading, out failure))
        {
            return false;
        }

        if (reading.Timestamp == default || !double.IsFinite(reading.Value))
        {
            reading = null;
            return ReadFailure.Fail(ReadFailure.InvalidReading, "timestamp is missing or value is not a finite number", out failure);
        }

        return true;
    }

    /// <summary>
    /// The common case, read without the serializer: exactly the four properties <see cref="ToUtf8Json"/> writes, each
    /// once, unescaped names, a sensor id equal to <paramref name="key"/> (so the key string is reused). Anything else
    /// returns false and the serializer decides, so both paths accept and reject the same messages.
    /// </summary>
    private static bool TryReadAsWritten(string? key, ReadOnlySpan<byte> value, [NotNullWhen(true)] out SensorReading? reading)
    {
        try
        {
            return TryReadAsWrittenCore(key, value, out reading);
        }
        catch (JsonException)
        {
            // Malformed JSON: the serializer reports it, with its own message.
            reading = null;
            return false;
        }
    }

    private static bool TryReadAsWrittenCore(string? key, ReadOnlySpan<byte> value, [NotNullWhen(true)] out SensorReading? reading)
    {
        reading = null;
        var reader = new Utf8JsonReader(value);
        if (key is null || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        DateTimeOffset timestamp = default;
        double number = 0;
        var version = 0;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            var property = JsonProperties.Bit(reader.ValueSpan, s_properties);
            if (!JsonProperties.TryClaim(property, ref seen, ref reader))
            {
                return false;
            }

            var ok = property switch
            {
                1 => reader.TokenType == JsonTokenType.String && (reader.ValueIsEscaped ? reader.ValueTextEquals(key) : System.Text.Ascii.Equals(reader.ValueSpan, key) || reader.ValueTextEquals(key)),
                2 => reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out timestamp),
                4 => reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out number),
                _ => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out version),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (seen != 15 || reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return false;
        }

        reading = new SensorReading(key, timestamp, number) { V = version };
        return true;
    }
}
