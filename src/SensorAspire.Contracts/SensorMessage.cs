using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SensorAspire.Contracts;

/// <summary>A JSON message keyed by sensor id, with a schema version.</summary>
internal interface ISensorMessage
{
    string SensorId { get; }

    int V { get; }
}

/// <summary>The part of the validity rule every JSON sensor message shares.</summary>
internal static class SensorMessage
{
    /// <summary>
    /// Reads a message (key and UTF-8 JSON value) and checks what every sensor message must have: a value, valid JSON,
    /// <paramref name="version"/>, and a sensor id equal to the key (per-sensor ordering and replay detection rely on
    /// all of a sensor's messages sharing a partition). The caller checks the rest.
    /// </summary>
    public static bool TryRead<T>(
        string? key, ReadOnlySpan<byte> value, JsonTypeInfo<T> typeInfo, int version, ReadAsWritten<T> readAsWritten,
        [NotNullWhen(true)] out T? message, out ReadFailure failure)
        where T : class, ISensorMessage
    {
        message = null;
        failure = default;
        if (value.IsEmpty)
        {
            return ReadFailure.Fail(ReadFailure.EmptyValue, "the message has no value", out failure);
        }

        T? read;
        try
        {
            read = readAsWritten(key, value, out var written) ? written : JsonSerializer.Deserialize(value, typeInfo);
        }
        catch (JsonException ex)
        {
            return ReadFailure.Fail(ReadFailure.InvalidJson, ex.Message, out failure);
        }

        if (read is null)
        {
            return ReadFailure.Fail(ReadFailure.InvalidJson, "the value is JSON null", out failure);
        }

        if (read.V != version)
        {
            return ReadFailure.Fail(ReadFailure.UnsupportedVersion, $"{typeof(T).Name} version {read.V} is not supported (expected {version})", out failure);
        }

        if (string.IsNullOrEmpty(read.SensorId))
        {
            return ReadFailure.Fail(ReadFailure.MissingSensorId, "sensorId is missing", out failure);
        }

        if (!string.Equals(key, read.SensorId, StringComparison.Ordinal))
        {
            return ReadFailure.Fail(ReadFailure.KeyMismatch, $"key '{key}' differs from sensorId '{read.SensorId}'", out failure);
        }

        message = read;
        return true;
    }
}

/// <summary>
/// Reads a message exactly as our own code writes it, without the serializer, or returns false for the serializer to
/// decide; so it must accept only input the serializer reads into an equal object (and must not throw).
/// </summary>
internal delegate bool ReadAsWritten<T>(string? key, ReadOnlySpan<byte> value, [NotNullWhen(true)] out T? message)
    where T : class;
