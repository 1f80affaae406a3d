using System.Text;
using SensorAspire.Contracts;

namespace SensorAspire.Pipeline.Tests;

public sealed class TutorialSensorDataTests
{
    [Fact]
    public void ParsesThePythonProducersValue()
    {
        var ok = TutorialSensorData.TryParse("2023-03-20 10:11:12.123456,25.3,17.9"u8, out var timestamp, out var temp1, out var temp2, out var error);

        Assert.True(ok, error);
        Assert.Equal(new DateTimeOffset(2023, 3, 20, 10, 11, 12, TimeSpan.Zero).AddTicks(1_234_560), timestamp);
        Assert.Equal(25.3, temp1);
        Assert.Equal(17.9, temp2);
    }

    [Fact]
    public void ParsesADatetimeWithoutMicroseconds()
    {
        // Python's str(datetime) drops the fraction when microsecond == 0.
        var ok = TutorialSensorData.TryParse("2023-03-20 10:11:12,20.0,39"u8, out var timestamp, out _, out var temp2, out _);

        Assert.True(ok);
        Assert.Equal(new DateTimeOffset(2023, 3, 20, 10, 11, 12, TimeSpan.Zero), timestamp);
        Assert.Equal(39, temp2);
    }

    [Fact]
    public void AcceptsShorterFractionsWrittenByHand()
    {
        var ok = TutorialSensorData.TryParse("2023-03-20 10:11:12.5,1,2"u8, out var timestamp, out _, out _, out _);

        Assert.True(ok);
        Assert.Equal(new DateTimeOffset(2023, 3, 20, 10, 11, 12, 500, TimeSpan.Zero), timestamp);
    }

    [Fact]
    public void ParsesFullPrecisionPythonFloats()
    {
        var ok = TutorialSensorData.TryParse("2023-03-20 10:11:12.000001,38.97450927159328,1e-05"u8, out _, out var temp1, out var temp2, out _);

        Assert.True(ok);
        Assert.Equal(38.97450927159328, temp1);
        Assert.Equal(0.00001, temp2);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("2023-03-20 10:11:12.123456,25.3")]
    [InlineData("2023-03-20T10:11:12Z,25.3,17.9")]
    [InlineData("2023-03-20 10:11:12.123456,warm,17.9")]
    [InlineData("2023-03-20 10:11:12.123456,nan,17.9")]
    [InlineData("2023-03-20 10:11:12.123456,25.3,17.9,1")]
    public void RejectsValuesThatAreNotTheTutorialsFormat(string value)
    {
        var ok = TutorialSensorData.TryParse(Encoding.UTF8.GetBytes(value), out _, out _, out _, out var error);

        Assert.False(ok);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void FormatWritesWhatPythonWouldAndParsesBack()
    {
        var utc = new DateTime(2023, 3, 20, 10, 11, 12, DateTimeKind.Utc).AddTicks(1_234_560);

        var value = TutorialSensorData.Format(utc, 25.3, 17.9);
        var whole = TutorialSensorData.Format(utc.AddTicks(-1_234_560), 20, 10.5);

        Assert.Equal("2023-03-20 10:11:12.123456,25.3,17.9", value);
        Assert.Equal("2023-03-20 10:11:12,20.0,10.5", whole);
    }
}
