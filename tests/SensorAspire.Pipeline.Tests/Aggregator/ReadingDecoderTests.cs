using SensorAspire.Aggregator;
using SensorAspire.Contracts;

namespace SensorAspire.Pipeline.Tests.Aggregator;

public sealed class ReadingDecoderTests
{
    [Fact]
    public void DecodesASimulatorReading()
    {
        var json = """{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01+00:00","value":21.5,"v":1}"""u8.ToArray();

        var ok = ReadingDecoder.TryDecodeJson("temp7", json, out var reading, out _);

        Assert.True(ok);
        Assert.Equal(new DecodedReading("temp7", new DateTime(2026, 1, 1, 0, 0, 1).Ticks, 21.5), reading);
    }

    [Fact]
    public void MalformedReadingGetsTheContractsReason()
    {
        var ok = ReadingDecoder.TryDecodeJson("temp7", "{not json"u8.ToArray(), out _, out var failure);

        Assert.False(ok);
        Assert.Equal(ReadFailure.InvalidJson, failure.Reason);
    }

    [Fact]
    public void TutorialLineFeedsTemp1AndTemp2()
    {
        var ok = ReadingDecoder.TryDecodeTutorial("2023-03-20 10:11:12.123456,25.3,17.9"u8.ToArray(), out var first, out var second, out _);

        Assert.True(ok);
        Assert.Equal(("temp1", 25.3), (first.SensorId, first.Value));
        Assert.Equal(("temp2", 17.9), (second.SensorId, second.Value));
        Assert.Equal(first.UtcTicks, second.UtcTicks);
    }

    [Fact]
    public void EmptyTutorialValueIsAnEmptyValue()
    {
        var ok = ReadingDecoder.TryDecodeTutorial([], out _, out _, out var failure);

        Assert.False(ok);
        Assert.Equal(ReadFailure.EmptyValue, failure.Reason);
    }
}
