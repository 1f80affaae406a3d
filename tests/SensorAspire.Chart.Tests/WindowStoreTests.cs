using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SensorAspire.Chart.Windows;
using static SensorAspire.Chart.Tests.WindowProducer;

namespace SensorAspire.Chart.Tests;

public sealed class WindowStoreTests
{
    private static WindowStore CreateStore(int maxSensors = 10, int clientBufferSize = 10)
        => new(Options.Create(new ChartOptions { MaxSensors = maxSensors, MaxSensorsShown = 1, ClientBufferSize = clientBufferSize }),
            NullLogger<WindowStore>.Instance);

    [Fact]
    public void StoreKeepsTheLatestWindowPerSensorOrderedById()
    {
        var store = CreateStore();

        store.Apply(Frame("temp2", 10));
        store.Apply(Frame("temp1", 20));
        store.Apply(Frame("temp2", 10, 11));

        Assert.Collection(store.Snapshot(),
            w => Assert.Equal(("temp1", 1), (w.SensorId, w.Points.Count)),
            w => Assert.Equal(("temp2", 2), (w.SensorId, w.Points.Count)));
    }

    [Fact]
    public void StoreIgnoresNewSensorsBeyondMaxSensorsButUpdatesKnownOnes()
    {
        var store = CreateStore(maxSensors: 1);

        store.Apply(Frame("temp1", 20));
        store.Apply(Frame("temp2", 10));
        store.Apply(Frame("temp1", 20, 21));

        var only = Assert.Single(store.Snapshot());
        Assert.Equal(("temp1", 2), (only.SensorId, only.Points.Count));
    }

    [Fact]
    public void EverySubscriberGetsEachWindowAndADisposedOneNoLonger()
    {
        var store = CreateStore();
        using var staying = store.Subscribe();
        var leaving = store.Subscribe();

        store.Apply(Frame("temp1", 20));
        leaving.Dispose();
        store.Apply(Frame("temp2", 10));

        Assert.Equal(1, store.SubscriberCount);
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
        var store = CreateStore(clientBufferSize: 2);
        using var stuck = store.Subscribe();
        using var reading = store.Subscribe();

        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            store.Apply(Frame(id, 1));
            Assert.True(reading.TryTake(out var window));
            Assert.Equal(id, window.SensorId);
        }

        Assert.True(stuck.Overflowed);
        Assert.False(reading.Overflowed);
    }
}
