using System.Text.Json;
using SensorAspire.Contracts;

namespace SensorAspire.Aggregator;

/// <summary>
/// Turns an input message into readings: a JSON <see cref="SensorReading"/> (key = sensor id) or a tutorial
/// "datetime,temp1,temp2" line (two readings). Anything else gets a dead-letter reason.
/// </summary>
internal static class ReadingDecoder
{
    /// <summary>Dead-letter reasons (the <c>dlq.reason</c> header and the metric's <c>reason</c> tag).</summary>
    public static class Reasons
    {
        public const string EmptyValue = "empty-value";
        public const string InvalidJson = "invalid-json";
        public const string UnsupportedVersion = "unsupported-version";
        public const string MissingSensorId = "missing-sensor-id";
        public const string KeyMismatch = "key-mismatch";
        public const string InvalidReading = "invalid-reading";
        public const string InvalidTutorialFormat = "invalid-tutorial-format";
    }

    /// <summary>Decodes a JSON reading. On failure returns false with a reason and a human-readable detail.</summary>
    public static bool TryDecodeJson(string? key, byte[]? value, out DecodedReading reading, out string reason, out string detail)
    {
        reading = default;
        if (value is null || value.Length == 0)
        {
            return Fail(Reasons.EmptyValue, "the message has no value", out reason, out detail);
        }

        SensorReading? message;
        try
        {
            message = JsonSerializer.Deserialize(value, ContractsJsonContext.Default.SensorReading);
        }
        catch (JsonException ex)
        {
            return Fail(Reasons.InvalidJson, ex.Message, out reason, out detail);
        }

        if (message is null)
        {
            return Fail(Reasons.InvalidJson, "the value is JSON null", out reason, out detail);
        }

        if (message.V != 1)
        {
            return Fail(Reasons.UnsupportedVersion, $"reading version {message.V} is not supported (expected 1)", out reason, out detail);
        }

        if (string.IsNullOrEmpty(message.SensorId))
        {
            return Fail(Reasons.MissingSensorId, "sensorId is missing", out reason, out detail);
        }

        // Per-sensor ordering and replay detection rely on every reading of a sensor sharing a partition.
        if (!string.Equals(key, message.SensorId, StringComparison.Ordinal))
        {
            return Fail(Reasons.KeyMismatch, $"key '{key}' differs from sensorId '{message.SensorId}'", out reason, out detail);
        }

        if (message.Timestamp == default || !double.IsFinite(message.Value))
        {
            return Fail(Reasons.InvalidReading, "timestamp is missing or value is not a finite number", out reason, out detail);
        }

        reading = new DecodedReading(message.SensorId, message.Timestamp.UtcTicks, message.Value);
        reason = detail = "";
        return true;
    }

    /// <summary>Decodes a tutorial line into readings for sensors temp1 and temp2.</summary>
    public static bool TryDecodeTutorial(byte[]? value, out DecodedReading first, out DecodedReading second, out string reason, out string detail)
    {
        first = second = default;
        if (value is null || value.Length == 0)
        {
            return Fail(Reasons.EmptyValue, "the message has no value", out reason, out detail);
        }

        if (!TutorialSensorData.TryParse(value, out var timestamp, out var temp1, out var temp2, out var error))
        {
            return Fail(Reasons.InvalidTutorialFormat, error!, out reason, out detail);
        }

        first = new DecodedReading(TutorialSensorData.Sensor1, timestamp.UtcTicks, temp1);
        second = new DecodedReading(TutorialSensorData.Sensor2, timestamp.UtcTicks, temp2);
        reason = detail = "";
        return true;
    }

    private static bool Fail(string code, string message, out string reason, out string detail)
    {
        reason = code;
        detail = message;
        return false;
    }
}
