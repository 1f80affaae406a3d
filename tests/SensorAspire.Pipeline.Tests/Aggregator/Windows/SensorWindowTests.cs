using SensorAspire.Aggregator.Windows;
using SensorAspire.Contracts;
using SensorAspire.Testing;

namespace SensorAspire.Pipeline.Tests.Aggregator.Windows;

public sealed class SensorWindowTests
{
    private static readonly DateTime s_t0 = new(2023, 3, 20, 10, 11, 12, DateTimeKind.Utc);

    private static long At(int seconds) => s_t0.AddSeconds(seconds).Ticks;

    [Fact]
    public void WindowKeepsLastTwelveReadingsPerSensor()
    {
        var window = new TestWindow(12);

        for (var i = 0; i < 20; i++)
        {
            window.Add(At(i * 2), i);
        }

        var points = window.ToPoints();
        Assert.Equal(12, window.Count);
        Assert.Equal(Enumerable.Range(8, 12).Select(i => (double)i), points.Select(p => p.Value));
        Assert.Equal(new DateTimeOffset(s_t0.AddSeconds(16)), points[0].Timestamp);
    }

    [Fact]
    public void StatisticsCoverOnlyThePointsInTheWindow()
    {
        var window = new TestWindow(3);

        foreach (var (t, v) in new[] { (0, 100.0), (1, 2.0), (2, 4.0), (3, 9.0) })
        {
            window.Add(At(t), v);
        }

        Assert.Equal(new WindowStats(3, 2, 9, 5, 9), window.ToStats());
    }

    [Fact]
    public void LateReadingIsInsertedAtItsTimestampPosition()
    {
        var window = new TestWindow(4);
        window.Add(At(0), 1);
        window.Add(At(2), 3);

        var change = window.Add(At(1), 2);

        Assert.Equal(ReadingOutcome.Inserted, change);
        Assert.Equal([1.0, 2.0, 3.0], window.ToPoints().Select(p => p.Value));
        Assert.Equal(3, window.Last);
    }

    [Fact]
    public void LateReadingOlderThanAFullWindowIsDiscarded()
    {
        var window = new TestWindow(2);
        window.Add(At(5), 5);
        window.Add(At(6), 6);

        var change = window.Add(At(4), 4);

        Assert.Equal(ReadingOutcome.DiscardedTooOld, change);
        Assert.Equal([5.0, 6.0], window.ToPoints().Select(p => p.Value));
    }

    [Fact]
    public void LateReadingInAFullWindowEvictsTheOldestNotTheNewest()
    {
        var window = new TestWindow(3);
        window.Add(At(1), 1);
        window.Add(At(3), 3);
        window.Add(At(4), 4);

        window.Add(At(2), 2);

        Assert.Equal([2.0, 3.0, 4.0], window.ToPoints().Select(p => p.Value));
        Assert.Equal(4, window.Last);
    }

    [Fact]
    public void ReadingsWithEqualTimestampsKeepArrivalOrder()
    {
        var window = new TestWindow(3);

        window.Add(At(1), 1);
        window.Add(At(1), 2);

        Assert.Equal([1.0, 2.0], window.ToPoints().Select(p => p.Value));
    }

    [Fact]
    public void AddAllocatesNothing()
    {
        var window = new TestWindow(12);
        window.Add(At(0), 0);

        var fewest = Allocations.Fewest(pass =>
        {
            for (var i = 1 + (pass * 10_000); i < (pass + 1) * 10_000; i++)
            {
                window.Add(At(i % 7 == 0 ? i - 3 : i), i);
            }
        });

        Assert.Equal(0, fewest);
    }

    [Fact]
    public void ResetKeepsTheNewestPointsWhenTheWindowShrank()
    {
        var window = new TestWindow(2);
        var points = Enumerable.Range(0, 5).Select(i => new WindowPoint(new DateTimeOffset(s_t0.AddSeconds(i)), i)).ToList();

        window.Reset(points);

        Assert.Equal([3.0, 4.0], window.ToPoints().Select(p => p.Value));
        Assert.Equal(new WindowStats(2, 3, 4, 3.5, 4), window.ToStats());
    }

    /// <summary>Owns one window's storage the way <see cref="WindowStore"/> does, and hands out views over it.</summary>
    private sealed class TestWindow(int capacity)
    {
        private readonly WindowSample[] _samples = new WindowSample[capacity];
        private int _count;

        public int Count => View.Count;

        public double Last => View.Last;

        private SensorWindow View => new(_samples, ref _count);

        public ReadingOutcome Add(long utcTicks, double value) => View.Add(utcTicks, value);

        public void Reset(IReadOnlyList<WindowPoint> points) => View.Reset(points);

        public WindowPoint[] ToPoints() => View.ToPoints();

        public WindowStats ToStats() => View.ToStats();
    }
}
