using SensorAspire.Contracts;

namespace SensorAspire.Aggregator.Windows;

/// <summary>
/// The last N readings of one sensor, ordered by reading timestamp (oldest first): a view over the sensor's slice of
/// <see cref="WindowStore"/>'s shared sample block and its count.
/// </summary>
/// <remarks>
/// Out-of-order rule: the window holds the N readings with the newest timestamps seen, in timestamp order. A reading
/// older than the newest one is inserted at its timestamp position (ties keep arrival order); when the window is full
/// and the reading is older than every reading in it, it is discarded (<see cref="ReadingOutcome.DiscardedTooOld"/>).
/// So the chart's x axis is always monotonic and a late reading never evicts a newer one.
/// <see cref="Add"/> allocates nothing; min/max/mean are an O(N) pass when published (N is small, 12 by default).
/// </remarks>
internal readonly ref struct SensorWindow
{
    private readonly Span<WindowSample> _samples;
    private readonly ref int _count;

    /// <param name="samples">The window's storage; its length is the window size.</param>
    /// <param name="count">How many of <paramref name="samples"/> are in use (kept by the owner).</param>
    public SensorWindow(Span<WindowSample> samples, ref int count)
    {
        if (samples.IsEmpty)
        {
            throw new ArgumentException("A window holds at least one reading.", nameof(samples));
        }

        _samples = samples;
        _count = ref count;
    }

    public int Capacity => _samples.Length;

    public int Count => _count;

    /// <summary>The value of the reading with the newest timestamp.</summary>
    public double Last => _count == 0 ? 0 : _samples[_count - 1].Value;

    /// <summary>Adds a reading taken at <paramref name="utcTicks"/>.</summary>
    public ReadingOutcome Add(long utcTicks, double value)
    {
        var count = _count;
        var samples = _samples;
        ReadingOutcome change;

        if (count == samples.Length)
        {
            if (utcTicks < samples[0].Ticks)
            {
                return ReadingOutcome.DiscardedTooOld;
            }

            // Evict the oldest: shift left by one, leaving the last slot free.
            samples[1..count].CopyTo(samples);
            count--;
        }

        var i = count;
        if (i > 0 && samples[i - 1].Ticks > utcTicks)
        {
            change = ReadingOutcome.Inserted;
            while (i > 0 && samples[i - 1].Ticks > utcTicks)
            {
                samples[i] = samples[i - 1];
                i--;
            }
        }
        else
        {
            change = ReadingOutcome.Appended;
        }

        samples[i] = new WindowSample(utcTicks, value);
        _count = count + 1;
        return change;
    }

    /// <summary>Replaces the contents with <paramref name="points"/> (e.g. a restored window), keeping the newest N.</summary>
    public void Reset(IReadOnlyList<WindowPoint> points)
    {
        _count = 0;
        foreach (var point in points)
        {
            Add(point.Timestamp.UtcTicks, point.Value);
        }
    }

    /// <summary>A copy of the points, oldest first (allocates; used when publishing).</summary>
    public WindowPoint[] ToPoints()
    {
        var points = new WindowPoint[_count];
        for (var i = 0; i < points.Length; i++)
        {
            points[i] = new WindowPoint(new DateTimeOffset(_samples[i].Ticks, TimeSpan.Zero), _samples[i].Value);
        }

        return points;
    }

    /// <summary>Writes the points, oldest first, into an update being written (no point objects).</summary>
    public void WritePoints(WindowUpdatedWriter writer)
    {
        foreach (var sample in _samples[.._count])
        {
            writer.Point(new DateTimeOffset(sample.Ticks, TimeSpan.Zero), sample.Value);
        }
    }

    /// <summary>Count, min, max, mean and last, computed over the points in the window.</summary>
    public WindowStats ToStats()
    {
        if (_count == 0)
        {
            return new(0, 0, 0, 0, 0);
        }

        var samples = _samples[.._count];
        double min = samples[0].Value, max = samples[0].Value, sum = 0;
        foreach (var s in samples)
        {
            min = Math.Min(min, s.Value);
            max = Math.Max(max, s.Value);
            sum += s.Value;
        }

        return new(samples.Length, min, max, sum / samples.Length, Last);
    }
}
