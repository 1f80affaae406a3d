using Microsoft.Extensions.Options;
using SensorAspire.Aggregator;
using SensorAspire.Aggregator.Windows;
using SensorAspire.Contracts;

namespace SensorAspire.Pipeline.Tests;

public sealed class WindowStoreTests
{
    private static readonly long s_t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static WindowStore NewStore(int windowSize = 12) => new(Options.Create(new AggregatorOptions { WindowSize = windowSize }));

    [Fact]
    public void ReplayedReadingAtOrBeforeTheRestoredPositionIsSkipped()
    {
        var store = NewStore();
        store.Restore(new WindowUpdated("s1", [new(new DateTimeOffset(s_t0, TimeSpan.Zero), 1)], new(1, 1, 1, 1, 1), new("readings", 3, 41), DateTimeOffset.UnixEpoch));

        var replayed = store.Apply("s1", s_t0, 1, "readings", 3, 41, out _);
        var next = store.Apply("s1", s_t0 + 10, 2, "readings", 3, 42, out var state);

        Assert.Null(replayed);
        Assert.Equal(WindowChange.Appended, next);
        Assert.Equal(2, state.Window.Count);
        Assert.Equal(42, state.SourceOffset);
    }

    [Fact]
    public void ReadingFromAnotherPartitionIsNotMistakenForAReplay()
    {
        var store = NewStore();
        store.Apply("s1", s_t0, 1, "readings", 0, 100, out _);

        var change = store.Apply("s1", s_t0 + 1, 2, "SensorData", 0, 5, out _);

        Assert.Equal(WindowChange.Appended, change);
    }

    [Fact]
    public void EachChangedSensorIsPublishedOncePerBatch()
    {
        var store = NewStore();

        store.Apply("a", s_t0, 1, "r", 0, 0, out _);
        store.Apply("b", s_t0, 1, "r", 1, 0, out _);
        store.Apply("a", s_t0 + 1, 2, "r", 0, 1, out _);

        Assert.Equal(["a", "b"], store.Dirty.Select(s => s.SensorId));
        var update = WindowStore.ToMessage(store.Dirty[0], DateTimeOffset.UnixEpoch);
        Assert.Equal(new SourcePosition("r", 0, 1), update.Source);
        Assert.Equal(2, update.Points.Count);

        store.ClearDirty();
        Assert.Empty(store.Dirty);
    }

    [Fact]
    public void ReadingDiscardedAsTooOldDoesNotMarkTheSensorChanged()
    {
        var store = NewStore(windowSize: 1);
        store.Apply("a", s_t0 + 100, 1, "r", 0, 0, out _);
        store.ClearDirty();

        var change = store.Apply("a", s_t0, 2, "r", 0, 1, out _);

        Assert.Equal(WindowChange.DiscardedTooOld, change);
        Assert.Empty(store.Dirty);
    }
}
