using SensorAspire.Contracts;

namespace SensorAspire.Aggregator.Windows;

/// <summary>
/// The last N readings of one sensor, ordered by reading timestamp (oldest first), with statistics kept current.
/// </summary>
/// <remarks>
/// Out-of-order rule: the window holds the N readings with the newest timestamps seen, in timestamp order. A reading
/// older than the newest one is inserted at its timestamp position (ties keep arrival order); when the window is full
/// and the reading is older than every reading in it, it is discarded (<see cref="WindowChange.DiscardedTooOld"/>).
/// So the chart's x axis is always monotonic and a late reading never evicts a newer one.
/// <see cref="Add"/> allocates nothing: one fixed array of (ticks, value); min/max/mean are an O(N) pass when published (N is small, 12 by default).
/// </remarks>
internal sealed class SensorWindow
{
    // One array of (ticks, value) pairs rather than two arrays, and statistics computed when asked for (publishing)
    // rather than stored: 100,000 windows are the aggregator's whole live heap (docs/pipeline.md, "Memory").
    private readonly Point[] _points;

    public SensorWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _points = new Point[capacity];
    }

    public int Capacity => _points.Length;

    public int Count { get; private set; }

    public double Min => Count == 0 ? 0 : Stats().Min;

    public double Max => Count == 0 ? 0 : Stats().Max;

    public double Mean => Count == 0 ? 0 : Stats().Mean;

    /// <summary>The value of the reading with the newest timestamp.</summary>
    public double Last => Count == 0 ? 0 : _points[Count - 1].Value;

    /// <summary>Timestamp (UTC ticks) of the newest reading, or 0 when empty.</summary>
    public long NewestTicks => Count == 0 ? 0 : _points[Count - 1].Ticks;

    /// <summary>Adds a reading taken at <paramref name="utcTicks"/>.</summary>
    public WindowChange Add(long utcTicks, double value)
    {
        var count = Count;
        var points = _points;
        WindowChange change;

        if (count == points.Length)
        {
            if (utcTicks < points[0].Ticks)
            {
                return WindowChange.DiscardedTooOld;
            }

            // Evict the oldest: shift left by one, leaving the last slot free.
            Array.Copy(points, 1, points, 0, count - 1);
            count--;
        }

        var i = count;
        if (i > 0 && points[i - 1].Ticks > utcTicks)
        {
            change = WindowChange.Inserted;
            while (i > 0 && points[i - 1].Ticks > utcTicks)
            {
                points[i] = points[i - 1];
                i--;
            }
        }
        else
        {
            change = WindowChange.Appended;
        }

        points[i] = new Point(utcTicks, value);
        Count = count + 1;
        return change;
    }

    /// <summary>Replaces the contents with <paramref name="points"/> (e.g. a restored window), keeping the newest N.</summary>
    public void Reset(IReadOnlyList<WindowPoint> points)
    {
        Count = 0;
        foreach (var point in points)
        {
            Add(point.Timestamp.UtcTicks, point.Value);
        }
    }

    /// <summary>A copy of the points, oldest first (allocates; used when publishing).</summary>
    public WindowPoint[] ToPoints()
    {
        var points = new WindowPoint[Count];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = new WindowPoint(new DateTimeOffset(_points[i].Ticks, TimeSpan.Zero), _points[i].Value);
        }

        return points;
    }

    /// <summary>The statistics as a message part.</summary>
    public WindowStats ToStats()
    {
        if (Count == 0)
        {
            return new(0, 0, 0, 0, 0);
        }

        var (min, max, mean) = Stats();
        return new(Count, min, max, mean, Last);
    }

    private (double Min, double Max, double Mean) Stats()
    {
        var points = _points.AsSpan(0, Count);
        double min = points[0].Value, max = points[0].Value, sum = 0;
        foreach (var p in points)
        {
            min = Math.Min(min, p.Value);
            max = Math.Max(max, p.Value);
            sum += p.Value;
        }

        return (min, max, sum / points.Length);
    }

    private readonly record struct Point(long Ticks, double Value);
}
