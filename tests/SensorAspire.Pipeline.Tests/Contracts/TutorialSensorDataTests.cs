using System.Text;
using SensorAspire.Contracts;

namespace SensorAspire.Pipeline.Tests.Contracts;

public sealed class TutorialSensorDataTests
{
    [Fact]
    public void ParsesThePythonProducersValue()
    {
        var ok = TutorialSensorData.TryRead("2023-03-20 10:11:12.123456,25.3,17.9"u8, out var data, out var failure);

        Assert.True(ok, failure.Detail);
        Assert.Equal(new TutorialSensorData(new DateTimeOffset(2023, 3, 20, 10, 11, 12, TimeSpan.Zero).AddTicks(1_234_560), 25.3, 17.9), data);
    }

    [Fact]
    public void ParsesADatetimeWithoutMicroseconds()
    {
        // Python's str(datetime) drops the fraction when microsecond == 0.
        var ok = TutorialSensorData.TryRead("2023-03-20 10:11:12,20.0,39"u8, out var data, out _);

        Assert.True(ok);
        Assert.Equal(new DateTimeOffset(2023, 3, 20, 10, 11, 12, TimeSpan.Zero), data.Timestamp);
        Assert.Equal(39, data.Temp2);
    }

    [Fact]
    public void AcceptsShorterFractionsWrittenByHand()
    {
        var ok = TutorialSensorData.TryRead("2023-03-20 10:11:12.5,1,2"u8, out var data, out _);

        Assert.True(ok);
        Assert.Equal(new DateTimeOffset(2023, 3, 20, 10, 11, 12, 500, TimeSpan.Zero), data.Timestamp);
    }

    [Fact]
    public void ParsesFullPrecisionPythonFloats()
    {
        var ok = TutorialSensorData.TryRead("2023-03-20 10:11:12.000001,38.97450927159328,1e-05"u8, out var data, out _);

        Assert.True(ok);
        Assert.Equal(38.97450927159328, data.Temp1);
        Assert.Equal(0.00001, data.Temp2);
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
        var ok = TutorialSensorData.TryRead(Encoding.UTF8.GetBytes(value), out _, out var failure);

        Assert.False(ok);
        Assert.Equal(ReadFailure.InvalidTutorialFormat, failure.Reason);
        Assert.False(string.IsNullOrEmpty(failure.Detail));
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
