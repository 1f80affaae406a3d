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

        var replayed = store.Apply("s1", s_t0, 1, "readings", 3, 41, null, out _);
        var next = store.Apply("s1", s_t0 + 10, 2, "readings", 3, 42, null, out var slot);

        Assert.Null(replayed);
        Assert.Equal(WindowChange.Appended, next);
        var window = store.ToMessage(slot, DateTimeOffset.UnixEpoch);
        Assert.Equal(2, window.Points.Count);
        Assert.Equal(new SourcePosition("readings", 3, 42), window.Source);
    }

    [Fact]
    public void ReadingFromAnotherPartitionIsNotMistakenForAReplay()
    {
        var store = NewStore();
        store.Apply("s1", s_t0, 1, "readings", 0, 100, null, out _);

        var change = store.Apply("s1", s_t0 + 1, 2, "SensorData", 0, 5, null, out _);

        Assert.Equal(WindowChange.Appended, change);
    }

    [Fact]
    public void EachChangedSensorIsPublishedOncePerBatch()
    {
        var store = NewStore();

        store.Apply("a", s_t0, 1, "r", 0, 0, null, out _);
        store.Apply("b", s_t0, 1, "r", 1, 0, null, out _);
        store.Apply("a", s_t0 + 1, 2, "r", 0, 1, null, out _);

        Assert.Equal(["a", "b"], PendingSensors(store));
        var update = store.ToMessage(store.Pending[0].Slot, DateTimeOffset.UnixEpoch);
        Assert.Equal(new SourcePosition("r", 0, 1), update.Source);
        Assert.Equal(2, update.Points.Count);

        store.ClearPending();
        Assert.Empty(PendingSensors(store));
    }

    [Fact]
    public void ReadingDiscardedAsTooOldDoesNotMarkTheSensorChanged()
    {
        var store = NewStore(windowSize: 1);
        store.Apply("a", s_t0 + 100, 1, "r", 0, 0, null, out _);
        store.ClearPending();

        var change = store.Apply("a", s_t0, 2, "r", 0, 1, null, out _);

        Assert.Equal(WindowChange.DiscardedTooOld, change);
        Assert.Empty(PendingSensors(store));
    }

    [Fact]
    public void ForgottenSensorsLeaveThePendingListAndTheirSlotsComeBackEmpty()
    {
        var store = NewStore();
        store.Apply("a", s_t0, 1, "r", 0, 0, null, out _);
        store.Apply("b", s_t0, 2, "r", 1, 0, null, out _);
        store.Apply("c", s_t0, 3, "r", 0, 1, null, out _);

        store.RemoveWhere((topic, partition) => topic == "r" && partition == 0);
        store.Apply("d", s_t0 + 1, 4, "r", 2, 0, null, out var reused);

        store.Apply("a", s_t0 + 1, 5, "r", 0, 2, null, out var again);

        Assert.Equal(3, store.Count);
        Assert.Equal(["b", "d", "a"], PendingSensors(store));
        var d = store.ToMessage(reused, DateTimeOffset.UnixEpoch);
        Assert.Equal([4.0], d.Points.Select(p => p.Value));
        Assert.Equal(new SourcePosition("r", 2, 0), d.Source);
        Assert.Equal([5.0], store.ToMessage(again, DateTimeOffset.UnixEpoch).Points.Select(p => p.Value));
    }

    [Fact]
    public void ManySensorsEachKeepTheirOwnWindow()
    {
        // Enough sensors to span several storage blocks.
        var store = NewStore(windowSize: 3);
        const int Sensors = 70_000;
        for (var r = 0; r < 4; r++)
        {
            for (var s = 0; s < Sensors; s++)
            {
                store.Apply($"s{s}", s_t0 + r, s + (r * 0.25), "r", s % 8, r, null, out _);
            }
        }

        store.Apply("s69999", s_t0 + 9, -1, "r", 69_999 % 8, 9, null, out var last);

        Assert.Equal(Sensors, store.Count);
        Assert.Equal([69_999.5, 69_999.75, -1], store.ToMessage(last, DateTimeOffset.UnixEpoch).Points.Select(p => p.Value));
        var first = store.Pending[0];
        Assert.Equal("s0", store.SensorId(first.Slot));
        Assert.Equal([0.25, 0.5, 0.75], store.ToMessage(first.Slot, DateTimeOffset.UnixEpoch).Points.Select(p => p.Value));
    }

    private static string[] PendingSensors(WindowStore store) => store.Pending.ToArray().Select(p => store.SensorId(p.Slot)).ToArray();
}
