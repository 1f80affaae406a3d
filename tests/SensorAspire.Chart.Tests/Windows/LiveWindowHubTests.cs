using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SensorAspire.Chart.Windows;
using static SensorAspire.Chart.Tests.WindowProducer;

namespace SensorAspire.Chart.Tests.Windows;

public sealed class LiveWindowHubTests
{
    private static LiveWindowHub CreateHub(int maxSensors = 10, int clientBufferSize = 10)
        => new(Options.Create(new ChartOptions { MaxSensors = maxSensors, MaxSensorsShown = 1, ClientBufferSize = clientBufferSize }),
            NullLogger<LiveWindowHub>.Instance);

    [Fact]
    public void HubKeepsTheLatestWindowPerSensorOrderedById()
    {
        var hub = CreateHub();

        hub.Apply(Frame("temp2", 10));
        hub.Apply(Frame("temp1", 20));
        hub.Apply(Frame("temp2", 10, 11));

        Assert.Collection(hub.Snapshot(),
            w => Assert.Equal(("temp1", 1), (w.SensorId, w.Points.Count)),
            w => Assert.Equal(("temp2", 2), (w.SensorId, w.Points.Count)));
    }

    [Fact]
    public void HubIgnoresNewSensorsBeyondMaxSensorsButUpdatesKnownOnes()
    {
        var hub = CreateHub(maxSensors: 1);

        hub.Apply(Frame("temp1", 20));
        hub.Apply(Frame("temp2", 10));
        hub.Apply(Frame("temp1", 20, 21));

        var only = Assert.Single(hub.Snapshot());
        Assert.Equal(("temp1", 2), (only.SensorId, only.Points.Count));
    }

    [Fact]
    public void AtItsSensorLimitTheHubSaysWhichUpdatesItWouldIgnoreBeforeTheyAreRead()
    {
        var hub = CreateHub(maxSensors: 1);
        Assert.False(hub.Ignores("temp1"));

        hub.Apply(Frame("temp1", 20));

        Assert.False(hub.Ignores("temp1"));
        Assert.True(hub.Ignores("temp2"));
        hub.Remove("temp1");
        Assert.False(hub.Ignores("temp2"));
    }

    [Fact]
    public void EverySubscriberGetsEachWindowAndADisposedOneNoLonger()
    {
        var hub = CreateHub();
        using var staying = hub.Subscribe();
        var leaving = hub.Subscribe();

        hub.Apply(Frame("temp1", 20));
        leaving.Dispose();
        hub.Apply(Frame("temp2", 10));

        Assert.Equal(1, hub.SubscriberCount);
        Assert.True(staying.TryTake(out var a));
        Assert.True(staying.TryTake(out var b));
        Assert.Equal(["temp1", "temp2"], [a.SensorId, b.SensorId]);
        Assert.True(leaving.TryTake(out var only));
        Assert.Equal("temp1", only.SensorId);
        Assert.False(leaving.TryTake(out _));
    }

    [Fact]
    public void AClientThatOverflowsDoesNotStopOthersFromReceiving()
    {
        var hub = CreateHub(clientBufferSize: 2);
        using var stuck = hub.Subscribe();
        using var reading = hub.Subscribe();

        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            hub.Apply(Frame(id, 1));
            Assert.True(reading.TryTake(out var window));
            Assert.Equal(id, window.SensorId);
        }

        Assert.True(stuck.Overflowed);
        Assert.False(reading.Overflowed);
    }
}
