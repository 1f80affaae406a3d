using System.Text;
using SensorAspire.Contracts;

namespace SensorAspire.Pipeline.Tests.Contracts;

public sealed class SensorReadingTests
{
    [Fact]
    public void WhatTheSimulatorWritesReadsBack()
    {
        var sent = new SensorReading("temp7", new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), 21.5);

        var ok = SensorReading.TryRead("temp7", sent.ToUtf8Json(), out var read, out _);

        Assert.True(ok);
        Assert.Equal(sent, read);
    }

    [Theory]
    [InlineData("temp7", "", ReadFailure.EmptyValue)]
    [InlineData("temp7", "{not json", ReadFailure.InvalidJson)]
    [InlineData("temp7", "null", ReadFailure.InvalidJson)]
    [InlineData("temp7", """{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01Z","value":1,"v":2}""", ReadFailure.UnsupportedVersion)]
    [InlineData("temp7", """{"timestamp":"2026-01-01T00:00:01Z","value":1,"v":1}""", ReadFailure.MissingSensorId)]
    [InlineData("other", """{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01Z","value":1,"v":1}""", ReadFailure.KeyMismatch)]
    [InlineData("temp7", """{"sensorId":"temp7","value":1,"v":1}""", ReadFailure.InvalidReading)]
    public void RejectsMalformedReadingsWithAReason(string key, string value, string expectedReason)
    {
        var ok = SensorReading.TryRead(key, Encoding.UTF8.GetBytes(value), out var reading, out var failure);

        Assert.False(ok);
        Assert.Null(reading);
        Assert.Equal(expectedReason, failure.Reason);
        Assert.NotEmpty(failure.Detail);
    }

    [Theory]
    [InlineData("""{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01+00:00","value":21.5,"v":1}""")]
    [InlineData("""{"v":1,"value":21.5,"timestamp":"2026-01-01T00:00:01Z","sensorId":"temp7"}""")]
    [InlineData("""{"SensorId":"temp7","Timestamp":"2026-01-01T00:00:01Z","Value":21.5,"V":1}""")]
    [InlineData("""{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01Z","value":"21.5","v":1}""")]
    [InlineData("""{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01Z","value":3,"value":21.5,"v":1}""")]
    [InlineData("""{"sensorId":"temp7","timestamp":"2026-01-01T00:00:01Z","value":21.5,"v":1,"extra":{"a":[1]}}""")]
    [InlineData("""{"sensor\u0049d":"temp7","timestamp":"2026-01-01T00:00:01Z","value":21.5,"v":1}""")]
    public void ReadsEveryShapeTheSerializerReads(string json)
    {
        var value = Encoding.UTF8.GetBytes(json);
        var expected = System.Text.Json.JsonSerializer.Deserialize(value, ContractsJsonContext.Default.SensorReading);

        var ok = SensorReading.TryRead("temp7", value, out var read, out _);

        Assert.True(ok);
        Assert.Equal(expected, read);
        Assert.Equal(21.5, read!.Value);
    }
}
