using System.Globalization;
using System.Text;

namespace SensorAspire.Contracts;

/// <summary>
/// The seed tutorial's wire format on topic <see cref="TopicNames.TutorialSensorData"/>: key <c>"key"</c>, value
/// <c>"{datetime},{temp1},{temp2}"</c> where datetime is Python's <c>str(datetime.utcnow())</c>, e.g.
/// <c>2023-03-20 10:11:12.123456</c> (no fraction when the microseconds are zero) and the temperatures are Python floats.
/// One message carries one reading for each of the sensors <see cref="Sensor1"/> and <see cref="Sensor2"/>. The format
/// has no version field: it is the tutorial's, fixed.
/// </summary>
/// <param name="Timestamp">When the readings were taken (UTC).</param>
/// <param name="Temp1">The reading of <see cref="Sensor1"/>.</param>
/// <param name="Temp2">The reading of <see cref="Sensor2"/>.</param>
public readonly record struct TutorialSensorData(DateTimeOffset Timestamp, double Temp1, double Temp2)
{
    /// <summary>Sensor id the first temperature feeds.</summary>
    public const string Sensor1 = "temp1";

    /// <summary>Sensor id the second temperature feeds.</summary>
    public const string Sensor2 = "temp2";

    /// <summary>The key the tutorial's producer sends with every message.</summary>
    public const string Key = "key";

    // Python writes exactly 6 fraction digits (or none); parsing also accepts 1-7 for hand-written lines.
    private static readonly string[] s_formats = ["yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFFF"];

    /// <summary>Reads a UTF-8 message value; otherwise returns false with the reason.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out TutorialSensorData data, out ReadFailure failure)
    {
        data = default;
        failure = default;
        if (value.IsEmpty)
        {
            return ReadFailure.Fail(ReadFailure.EmptyValue, "the message has no value", out failure);
        }

        if (value.Length > 256)
        {
            return ReadFailure.Fail(ReadFailure.InvalidTutorialFormat, "value is longer than 256 bytes", out failure);
        }

        Span<char> chars = stackalloc char[256];
        if (!Encoding.UTF8.TryGetChars(value, chars, out var written))
        {
            return ReadFailure.Fail(ReadFailure.InvalidTutorialFormat, "value is not UTF-8", out failure);
        }

        if (!TryParse(chars[..written], out var timestamp, out var temp1, out var temp2, out var error))
        {
            return ReadFailure.Fail(ReadFailure.InvalidTutorialFormat, error, out failure);
        }

        data = new TutorialSensorData(timestamp, temp1, temp2);
        return true;
    }

    private static bool TryParse(ReadOnlySpan<char> value, out DateTimeOffset timestamp, out double temp1, out double temp2, out string error)
    {
        timestamp = default;
        temp1 = temp2 = 0;
        Span<Range> parts = stackalloc Range[4];
        if (value.Split(parts, ',') != 3)
        {
            error = "expected 3 comma-separated fields: datetime,temp1,temp2";
            return false;
        }

        if (!DateTime.TryParseExact(value[parts[0]].Trim(), s_formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var utc))
        {
            error = "datetime is not in Python's str(datetime) form 'yyyy-MM-dd HH:mm:ss[.ffffff]'";
            return false;
        }

        if (!TryParseTemperature(value[parts[1]], out temp1) || !TryParseTemperature(value[parts[2]], out temp2))
        {
            error = "temperature is not a finite number";
            return false;
        }

        timestamp = new DateTimeOffset(utc, TimeSpan.Zero);
        error = "";
        return true;
    }

    /// <summary>Formats a value as the tutorial's Python producer does (f"{datetime},{temp1},{temp2}").</summary>
    public static string Format(DateTime utc, double temp1, double temp2)
    {
        var format = utc.Ticks % TimeSpan.TicksPerSecond / 10 == 0 ? s_formats[1] : s_formats[0];
        return string.Join(',', utc.ToString(format, CultureInfo.InvariantCulture), PythonFloat(temp1), PythonFloat(temp2));
    }

    // Python's repr of a float: shortest round-trip digits, and always a ".0" on integral values.
    private static string PythonFloat(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E') < 0 && double.IsFinite(value) ? text + ".0" : text;
    }

    private static bool TryParseTemperature(ReadOnlySpan<char> text, out double value)
        => double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
