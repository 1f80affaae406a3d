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
/// <see cref="Add"/> allocates nothing: two fixed arrays and an O(N) pass for min/max/mean (N is small, 12 by default).
/// </remarks>
internal sealed class SensorWindow
{
    private readonly long[] _ticks;
    private readonly double[] _values;

    public SensorWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ticks = new long[capacity];
        _values = new double[capacity];
    }

    public int Capacity => _ticks.Length;

    public int Count { get; private set; }

    public double Min { get; private set; }

    public double Max { get; private set; }

    public double Mean { get; private set; }

    /// <summary>The value of the reading with the newest timestamp.</summary>
    public double Last => Count == 0 ? 0 : _values[Count - 1];

    /// <summary>Timestamp (UTC ticks) of the newest reading, or 0 when empty.</summary>
    public long NewestTicks => Count == 0 ? 0 : _ticks[Count - 1];

    /// <summary>Adds a reading taken at <paramref name="utcTicks"/>.</summary>
    public WindowChange Add(long utcTicks, double value)
    {
        var count = Count;
        var ticks = _ticks;
        var values = _values;
        WindowChange change;

        if (count == ticks.Length)
        {
            if (utcTicks < ticks[0])
            {
                return WindowChange.DiscardedTooOld;
            }

            // Evict the oldest: shift left by one, leaving the last slot free.
            Array.Copy(ticks, 1, ticks, 0, count - 1);
            Array.Copy(values, 1, values, 0, count - 1);
            count--;
        }

        var i = count;
        if (i > 0 && ticks[i - 1] > utcTicks)
        {
            change = WindowChange.Inserted;
            while (i > 0 && ticks[i - 1] > utcTicks)
            {
                ticks[i] = ticks[i - 1];
                values[i] = values[i - 1];
                i--;
            }
        }
        else
        {
            change = WindowChange.Appended;
        }

        ticks[i] = utcTicks;
        values[i] = value;
        Count = count + 1;
        Recompute();
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

        if (Count == 0)
        {
            Recompute();
        }
    }

    /// <summary>A copy of the points, oldest first (allocates; used when publishing).</summary>
    public WindowPoint[] ToPoints()
    {
        var points = new WindowPoint[Count];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = new WindowPoint(new DateTimeOffset(_ticks[i], TimeSpan.Zero), _values[i]);
        }

        return points;
    }

    /// <summary>The statistics as a message part.</summary>
    public WindowStats ToStats() => new(Count, Min, Max, Mean, Last);

    private void Recompute()
    {
        var count = Count;
        if (count == 0)
        {
            Min = Max = Mean = 0;
            return;
        }

        var values = _values.AsSpan(0, count);
        double min = values[0], max = values[0], sum = 0;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
        }

        Min = min;
        Max = max;
        Mean = sum / count;
    }
}
