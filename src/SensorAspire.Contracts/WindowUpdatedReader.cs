using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SensorAspire.Contracts;

/// <summary>
/// The common case of <see cref="WindowUpdated.TryRead"/>, read without the serializer: exactly the properties
/// <see cref="WindowUpdated.ToUtf8Json"/> writes, each once, with unescaped names and numbers as numbers, and a sensor
/// id equal to the key (whose string is reused). Anything else returns false and the serializer decides, so both paths
/// accept and reject the same messages and build equal objects.
/// </summary>
internal static class WindowUpdatedReader
{
    // Property names in the order WindowUpdatedWriter writes them; a name's bit is 1 << its index.
    private static readonly byte[][] s_updateProperties =
        ["sensorId"u8.ToArray(), "points"u8.ToArray(), "stats"u8.ToArray(), "source"u8.ToArray(), "publishedAt"u8.ToArray(), "v"u8.ToArray()];
    private static readonly byte[][] s_statsProperties =
        ["count"u8.ToArray(), "min"u8.ToArray(), "max"u8.ToArray(), "mean"u8.ToArray(), "last"u8.ToArray()];
    private static readonly byte[][] s_sourceProperties = ["topic"u8.ToArray(), "partition"u8.ToArray(), "offset"u8.ToArray()];

    public static bool TryReadAsWritten(string? key, ReadOnlySpan<byte> value, [NotNullWhen(true)] out WindowUpdated? update)
    {
        update = null;
        try
        {
            var reader = new Utf8JsonReader(value);
            return key is not null && TryReadUpdate(ref reader, key, out update) && !reader.Read();
        }
        catch (JsonException)
        {
            // Malformed JSON: the serializer reports it, with its own message.
            update = null;
            return false;
        }
    }

    private static bool TryReadUpdate(ref Utf8JsonReader reader, string key, [NotNullWhen(true)] out WindowUpdated? update)
    {
        update = null;
        List<WindowPoint>? points = null;
        WindowStats? stats = null;
        SourcePosition source = default;
        DateTimeOffset publishedAt = default;
        var version = 0;
        var seen = 0;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (NextProperty(ref reader, out var name))
        {
            var property = JsonProperties.Bit(name, s_updateProperties);
            if (!JsonProperties.TryClaim(property, ref seen, ref reader))
            {
                return false;
            }

            var ok = property switch
            {
                1 => reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(key),
                2 => TryReadPoints(ref reader, out points),
                4 => TryReadStats(ref reader, out stats),
                8 => TryReadSource(ref reader, out source),
                16 => reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out publishedAt),
                _ => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out version),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (seen != 63 || reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        update = new WindowUpdated(key, points!, stats!, source, publishedAt) { V = version };
        return true;
    }

    private static bool TryReadPoints(ref Utf8JsonReader reader, [NotNullWhen(true)] out List<WindowPoint>? points)
    {
        points = null;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var read = new List<WindowPoint>();
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            DateTimeOffset timestamp = default;
            double number = 0;
            var seen = 0;
            while (NextProperty(ref reader, out var name))
            {
                var property = name.SequenceEqual("timestamp"u8) ? 1 : name.SequenceEqual("value"u8) ? 2 : 0;
                if (property == 0 || (seen & property) != 0 || !reader.Read()
                    || !(property == 1
                        ? reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out timestamp)
                        : reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out number)))
                {
                    return false;
                }

                seen |= property;
            }

            if (seen != 3 || reader.TokenType != JsonTokenType.EndObject)
            {
                return false;
            }

            read.Add(new WindowPoint(timestamp, number));
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            return false;
        }

        points = read;
        return true;
    }

    private static bool TryReadStats(ref Utf8JsonReader reader, [NotNullWhen(true)] out WindowStats? stats)
    {
        stats = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var count = 0;
        Span<double> numbers = stackalloc double[4];
        var seen = 0;
        while (NextProperty(ref reader, out var name))
        {
            var property = JsonProperties.Bit(name, s_statsProperties);
            if (!JsonProperties.TryClaim(property, ref seen, ref reader) || reader.TokenType != JsonTokenType.Number
                || !(property == 1 ? reader.TryGetInt32(out count) : reader.TryGetDouble(out numbers[System.Numerics.BitOperations.Log2((uint)property) - 1])))
            {
                return false;
            }
        }

        if (seen != 31 || reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        stats = new WindowStats(count, numbers[0], numbers[1], numbers[2], numbers[3]);
        return true;
    }

    private static bool TryReadSource(ref Utf8JsonReader reader, out SourcePosition source)
    {
        source = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        string? topic = null;
        var partition = 0;
        long offset = 0;
        var seen = 0;
        while (NextProperty(ref reader, out var name))
        {
            var property = JsonProperties.Bit(name, s_sourceProperties);
            if (!JsonProperties.TryClaim(property, ref seen, ref reader))
            {
                return false;
            }

            var ok = property switch
            {
                1 => reader.TokenType == JsonTokenType.String && (topic = reader.GetString()) is not null,
                2 => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out partition),
                _ => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out offset),
            };
            if (!ok)
            {
                return false;
            }
        }

        if (seen != 7 || reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        source = new SourcePosition(topic!, partition, offset);
        return true;
    }

    /// <summary>Moves to the next property name of the current object; false at its end (or on anything else).</summary>
    private static bool NextProperty(ref Utf8JsonReader reader, out ReadOnlySpan<byte> name)
    {
        name = default;
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || reader.ValueIsEscaped)
        {
            return false;
        }

        name = reader.ValueSpan;
        return true;
    }
}
