using System.Text;
using SensorAspire.Contracts;

namespace SensorAspire.Pipeline.Tests.Contracts;

public sealed class WindowUpdatedTests
{
    private const string Valid = """{"sensorId":"s1","points":[{"timestamp":"2026-01-01T00:00:00+00:00","value":1}],"stats":{"count":1,"min":1,"max":1,"mean":1,"last":1},"source":{"topic":"r","partition":2,"offset":7},"publishedAt":"2026-01-01T00:00:01+00:00","v":1}""";

    [Fact]
    public void WhatTheAggregatorWritesReadsBack()
    {
        var sent = new WindowUpdated("s1", [new(DateTimeOffset.UnixEpoch, 1)], new(1, 1, 1, 1, 1), new("r", 2, 7), DateTimeOffset.UnixEpoch);

        var ok = WindowUpdated.TryRead("s1", sent.ToUtf8Json(), out var read, out _);

        Assert.True(ok);
        Assert.Equal(sent.Source, read!.Source);
        Assert.Equal(sent.Points, read.Points);
    }

    [Fact]
    public void AcceptsTheWireFormat()
    {
        var ok = WindowUpdated.TryRead("s1", Encoding.UTF8.GetBytes(Valid), out var read, out _);

        Assert.True(ok);
        Assert.Equal(new SourcePosition("r", 2, 7), read!.Source);
    }

    [Theory]
    [InlineData("s1", "", ReadFailure.EmptyValue)]
    [InlineData("s1", "{not json", ReadFailure.InvalidJson)]
    [InlineData("s1", "null", ReadFailure.InvalidJson)]
    [InlineData("s2", Valid, ReadFailure.KeyMismatch)]
    public void RejectsMalformedWindowsWithAReason(string key, string value, string expectedReason)
    {
        var ok = WindowUpdated.TryRead(key, Encoding.UTF8.GetBytes(value), out var update, out var failure);

        Assert.False(ok);
        Assert.Null(update);
        Assert.Equal(expectedReason, failure.Reason);
    }

    [Theory]
    [InlineData("\"v\":1", "\"v\":2", ReadFailure.UnsupportedVersion)]
    [InlineData("\"sensorId\":\"s1\",", "", ReadFailure.MissingSensorId)]
    // The chart's page reads points and stats of every window it is sent: a window without them would break it.
    [InlineData("[{\"timestamp\":\"2026-01-01T00:00:00+00:00\",\"value\":1}]", "null", ReadFailure.InvalidWindow)]
    [InlineData("[{\"timestamp\":\"2026-01-01T00:00:00+00:00\",\"value\":1}]", "[null]", ReadFailure.InvalidWindow)]
    [InlineData("{\"count\":1,\"min\":1,\"max\":1,\"mean\":1,\"last\":1}", "null", ReadFailure.InvalidWindow)]
    [InlineData("\"source\":{\"topic\":\"r\",\"partition\":2,\"offset\":7},", "", ReadFailure.InvalidWindow)]
    public void RejectsWindowsMissingWhatTheRestorerOrThePageNeeds(string part, string replacement, string expectedReason)
    {
        var value = Valid.Replace(part, replacement, StringComparison.Ordinal);
        Assert.NotEqual(Valid, value);

        var ok = WindowUpdated.TryRead("s1", Encoding.UTF8.GetBytes(value), out _, out var failure);

        Assert.False(ok);
        Assert.Equal(expectedReason, failure.Reason);
    }

    [Theory]
    [InlineData(Valid)]
    [InlineData("""{"sensorId":"s1","points":[],"stats":{"count":0,"min":0,"max":0,"mean":0,"last":0},"source":{"topic":"r","partition":2,"offset":7},"publishedAt":"2026-01-01T00:00:01+00:00","v":1}""")]
    [InlineData("""{"v":1,"publishedAt":"2026-01-01T00:00:01Z","source":{"offset":7,"partition":2,"topic":"r"},"stats":{"last":1,"mean":1,"max":1,"min":1,"count":1},"points":[{"value":1,"timestamp":"2026-01-01T00:00:00Z"}],"sensorId":"s1"}""")]
    [InlineData("""{"SensorId":"s1","Points":[{"Timestamp":"2026-01-01T00:00:00Z","Value":"1"}],"Stats":{"Count":1,"Min":1,"Max":1,"Mean":1,"Last":1},"Source":{"Topic":"r","Partition":2,"Offset":7},"PublishedAt":"2026-01-01T00:00:01Z","V":1}""")]
    [InlineData("""{"sensorId":"s1","points":[{"timestamp":"2026-01-01T00:00:00Z","value":1,"extra":[1]}],"stats":{"count":1,"min":1,"max":1,"mean":1,"last":1},"source":{"topic":"r\u0031","partition":2,"offset":7},"publishedAt":"2026-01-01T00:00:01Z","v":1}""")]
    public void ReadsEveryShapeTheSerializerReads(string json)
    {
        var value = Encoding.UTF8.GetBytes(json);
        var expected = System.Text.Json.JsonSerializer.Deserialize(value, ContractsJsonContext.Default.WindowUpdated)!;

        var ok = WindowUpdated.TryRead("s1", value, out var read, out var failure);

        Assert.True(ok, failure.Detail);
        Assert.Equal(expected.ToUtf8Json(), read!.ToUtf8Json());
    }
}
