using System.Diagnostics;
using Microsoft.Extensions.Options;
using SensorAspire.Aggregator;
using SensorAspire.Aggregator.Windows;
using SensorAspire.Contracts;
using SensorAspire.Testing;

namespace SensorAspire.Pipeline.Tests.Aggregator.Windows;

public sealed class WindowStoreTests
{
    private static readonly long s_t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static WindowStore NewStore(int windowSize = 12) => new(Options.Create(new AggregatorOptions { WindowSize = windowSize }));

    private static ReadingOutcome Apply(WindowStore store, string sensorId, long ticks, double value, string topic, int partition, long offset)
        => store.Apply(new DecodedReading(sensorId, ticks, value), new SourcePosition(topic, partition, offset), default(ActivityContext));

    [Fact]
    public void ReplayedReadingAtOrBeforeTheRestoredPositionIsAlreadyApplied()
    {
        var store = NewStore();
        store.Restore(new WindowUpdated("s1", [new(new DateTimeOffset(s_t0, TimeSpan.Zero), 1)], new(1, 1, 1, 1, 1), new("readings", 3, 41), DateTimeOffset.UnixEpoch));

        var replayed = Apply(store, "s1", s_t0, 1, "readings", 3, 41);
        var next = Apply(store, "s1", s_t0 + 10, 2, "readings", 3, 42);

        Assert.Equal(ReadingOutcome.AlreadyApplied, replayed);
        Assert.Equal(ReadingOutcome.Appended, next);
        var window = MessageOf(store, "s1");
        Assert.Equal(2, window.Points.Count);
        Assert.Equal(new SourcePosition("readings", 3, 42), window.Source);
    }

    [Fact]
    public void ReadingFromAnotherPartitionIsNotMistakenForAReplay()
    {
        var store = NewStore();
        Apply(store, "s1", s_t0, 1, "readings", 0, 100);

        var outcome = Apply(store, "s1", s_t0 + 1, 2, "SensorData", 0, 5);

        Assert.Equal(ReadingOutcome.Appended, outcome);
    }

    [Fact]
    public void EachChangedSensorIsPublishedOncePerBatch()
    {
        var store = NewStore();

        Apply(store, "a", s_t0, 1, "r", 0, 0);
        Apply(store, "b", s_t0, 1, "r", 1, 0);
        Apply(store, "a", s_t0 + 1, 2, "r", 0, 1);

        Assert.Equal(["a", "b"], ChangedSensors(store));
        var update = store.ToMessage(store.Changed[0].Slot, DateTimeOffset.UnixEpoch);
        Assert.Equal(new SourcePosition("r", 0, 1), update.Source);
        Assert.Equal(2, update.Points.Count);

        store.ClearChanged();
        Assert.Empty(ChangedSensors(store));
    }

    [Fact]
    public void ReadingDiscardedAsTooOldDoesNotMarkTheSensorChanged()
    {
        var store = NewStore(windowSize: 1);
        Apply(store, "a", s_t0 + 100, 1, "r", 0, 0);
        store.ClearChanged();

        var outcome = Apply(store, "a", s_t0, 2, "r", 0, 1);

        Assert.Equal(ReadingOutcome.DiscardedTooOld, outcome);
        Assert.Empty(ChangedSensors(store));
    }

    [Fact]
    public void ChangedSensorKeepsTheNewestReadingAsParentAndLinksTheOthers()
    {
        var store = NewStore();
        var first = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var second = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

        store.Apply(new DecodedReading("a", s_t0, 1), new SourcePosition("r", 0, 0), first);
        store.Apply(new DecodedReading("a", s_t0 + 1, 2), new SourcePosition("r", 0, 1), second);

        var changed = Assert.Single(store.Changed.ToArray());
        Assert.Equal(second, changed.Parent);
        Assert.Equal([first], changed.Links!.Select(l => l.Context));
    }

    [Fact]
    public void SampledReadingStaysTheParentWhenAnUnsampledOneFollowsAndUnsampledOnesAreNotLinked()
    {
        var store = NewStore();
        var unsampled = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);
        var sampled = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var later = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);

        store.Apply(new DecodedReading("a", s_t0, 1), new SourcePosition("r", 0, 0), unsampled);
        var first = Assert.Single(store.Changed.ToArray());
        Assert.Equal(unsampled, first.Parent);

        store.Apply(new DecodedReading("a", s_t0 + 1, 2), new SourcePosition("r", 0, 1), sampled);
        store.Apply(new DecodedReading("a", s_t0 + 2, 3), new SourcePosition("r", 0, 2), later);

        var changed = Assert.Single(store.Changed.ToArray());
        Assert.Equal(sampled, changed.Parent);
        Assert.Null(changed.Links);
    }

    [Fact]
    public void ForgottenSensorsLeaveTheChangedListAndTheirSlotsComeBackEmpty()
    {
        var store = NewStore();
        Apply(store, "a", s_t0, 1, "r", 0, 0);
        Apply(store, "b", s_t0, 2, "r", 1, 0);
        Apply(store, "c", s_t0, 3, "r", 0, 1);

        store.RemoveWhere(source => source.Topic == "r" && source.Partition == 0);
        Apply(store, "d", s_t0 + 1, 4, "r", 2, 0);
        Apply(store, "a", s_t0 + 1, 5, "r", 0, 2);

        Assert.Equal(3, store.Count);
        Assert.Equal(["b", "d", "a"], ChangedSensors(store));
        var d = MessageOf(store, "d");
        Assert.Equal([4.0], d.Points.Select(p => p.Value));
        Assert.Equal(new SourcePosition("r", 2, 0), d.Source);
        Assert.Equal([5.0], MessageOf(store, "a").Points.Select(p => p.Value));
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
                Apply(store, $"s{s}", s_t0 + r, s + (r * 0.25), "r", s % 8, r);
            }
        }

        Apply(store, "s69999", s_t0 + 9, -1, "r", 69_999 % 8, 9);

        Assert.Equal(Sensors, store.Count);
        Assert.Equal([69_999.5, 69_999.75, -1], MessageOf(store, "s69999").Points.Select(p => p.Value));
        var first = store.Changed[0];
        Assert.Equal("s0", store.SensorId(first.Slot));
        Assert.Equal([0.25, 0.5, 0.75], store.ToMessage(first.Slot, DateTimeOffset.UnixEpoch).Points.Select(p => p.Value));
    }

    [Theory]
    [InlineData("temp1", 0)]
    [InlineData("t<é>\"1", 5)]
    [InlineData("a", 12)]
    public void AWindowWrittenStraightFromTheStoreHasTheSameBytesAsItsMessage(string sensorId, int readings)
    {
        var store = NewStore();
        var values = new[] { 21.5, -0.1, 1e-7, 39.000000000000004, 1234567.125, 0 };
        for (var i = 0; i < readings; i++)
        {
            Apply(store, sensorId, s_t0 + (i * 1_234_567L), values[i % values.Length], "readings", 3, i);
        }

        if (readings == 0)
        {
            store.Restore(new WindowUpdated(sensorId, [], new WindowStats(0, 0, 0, 0, 0), new SourcePosition("r", 0, 0), DateTimeOffset.UnixEpoch));
        }

        var slot = readings == 0 ? 0 : store.Changed[0].Slot;
        var publishedAt = new DateTimeOffset(2026, 11, 29, 14, 0, 0, 123, TimeSpan.Zero).AddTicks(4567);

        var written = store.ToUtf8Json(slot, publishedAt, new WindowUpdatedWriter());

        Assert.Equal(System.Text.Encoding.UTF8.GetString(store.ToMessage(slot, publishedAt).ToUtf8Json()), System.Text.Encoding.UTF8.GetString(written));
    }

    [Fact]
    public void ApplyingToAnExistingWindowAllocatesNothing()
    {
        var store = NewStore();
        var reading = new DecodedReading("a", s_t0, 1);
        Apply(store, "a", s_t0, 1, "r", 0, 0);
        Apply(store, "a", s_t0 + 1, 1, "r", 0, 1);

        var fewest = Allocations.Fewest(pass =>
        {
            for (var i = 2 + (pass * 1_000); i < (pass + 1) * 1_000; i++)
            {
                store.Apply(reading with { UtcTicks = s_t0 + i }, new SourcePosition("r", 0, i), default);
            }
        });

        Assert.Equal(0, fewest);
    }

    private static WindowUpdated MessageOf(WindowStore store, string sensorId)
    {
        foreach (var changed in store.Changed)
        {
            if (store.SensorId(changed.Slot) == sensorId)
            {
                return store.ToMessage(changed.Slot, DateTimeOffset.UnixEpoch);
            }
        }

        throw new InvalidOperationException($"{sensorId} has not changed since the last publish.");
    }

    private static string[] ChangedSensors(WindowStore store) => store.Changed.ToArray().Select(p => store.SensorId(p.Slot)).ToArray();
}
