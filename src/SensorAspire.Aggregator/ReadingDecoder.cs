using SensorAspire.Contracts;

namespace SensorAspire.Aggregator;

/// <summary>
/// Turns an input message into readings for the windows: a JSON <see cref="SensorReading"/> (key = sensor id) or a
/// tutorial "datetime,temp1,temp2" line (two readings). Validity is the contracts' own rule (their <c>TryRead</c>);
/// anything else gets a <see cref="ReadFailure"/>, whose reason is the dead-letter reason.
/// </summary>
internal static class ReadingDecoder
{
    public static bool TryDecodeJson(string? key, byte[]? value, out DecodedReading reading, out ReadFailure failure)
    {
        if (!SensorReading.TryRead(key, value, out var message, out failure))
        {
            reading = default;
            return false;
        }

        reading = new DecodedReading(message.SensorId, message.Timestamp.UtcTicks, message.Value);
        return true;
    }

    public static bool TryDecodeTutorial(byte[]? value, out DecodedReading first, out DecodedReading second, out ReadFailure failure)
    {
        if (!TutorialSensorData.TryRead(value, out var data, out failure))
        {
            first = second = default;
            return false;
        }

        first = new DecodedReading(TutorialSensorData.Sensor1, data.Timestamp.UtcTicks, data.Temp1);
        second = new DecodedReading(TutorialSensorData.Sensor2, data.Timestamp.UtcTicks, data.Temp2);
        return true;
    }
}
