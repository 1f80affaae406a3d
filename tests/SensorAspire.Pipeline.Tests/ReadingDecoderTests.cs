using System.Text;
using SensorAspire.Aggregator;

namespace SensorAspire.Pipeline.Tests;

public sealed class ReadingDecoderTests
{
    [Fact]
    public void DecodesASimulatorReading()
    {
        var json = """{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01+00:00","value":21.5,"v":1}"""u8.ToArray();

        var ok = ReadingDecoder.TryDecodeJson("temp7", json, out var reading, out _, out _);

        Assert.True(ok);
        Assert.Equal(new DecodedReading("temp7", new DateTime(2026, 1, 1, 0, 0, 1).Ticks, 21.5), reading);
    }

    [Theory]
    [InlineData("temp7", "", ReadingDecoder.Reasons.EmptyValue)]
    [InlineData("temp7", "{not json", ReadingDecoder.Reasons.InvalidJson)]
    [InlineData("temp7", """{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01Z","value":1,"v":2}""", ReadingDecoder.Reasons.UnsupportedVersion)]
    [InlineData("temp7", """{"timestamp":"2026-01-01T00:00:01Z","value":1,"v":1}""", ReadingDecoder.Reasons.MissingSensorId)]
    [InlineData("other", """{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01Z","value":1,"v":1}""", ReadingDecoder.Reasons.KeyMismatch)]
    [InlineData("temp7", """{"sensorId":"temp7","value":1,"v":1}""", ReadingDecoder.Reasons.InvalidReading)]
    public void RejectsMalformedReadingsWithAReason(string key, string value, string expectedReason)
    {
        var ok = ReadingDecoder.TryDecodeJson(key, Encoding.UTF8.GetBytes(value), out _, out var reason, out var detail);

        Assert.False(ok);
        Assert.Equal(expectedReason, reason);
        Assert.NotEmpty(detail);
    }

    [Fact]
    public void TutorialLineFeedsTemp1AndTemp2()
    {
        var ok = ReadingDecoder.TryDecodeTutorial("2023-03-20 10:11:12.123456,25.3,17.9"u8.ToArray(), out var first, out var second, out _, out _);

        Assert.True(ok);
        Assert.Equal(("temp1", 25.3), (first.SensorId, first.Value));
        Assert.Equal(("temp2", 17.9), (second.SensorId, second.Value));
        Assert.Equal(first.UtcTicks, second.UtcTicks);
    }
}
