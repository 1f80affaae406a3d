namespace SensorAspire.Benchmarks.Chart;

/// <summary>Latency samples in milliseconds, summarised as percentiles.</summary>
internal sealed class LatencySamples
{
    private readonly List<double> _values = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _values.Count;
            }
        }
    }

    public void Add(double milliseconds)
    {
        lock (_lock)
        {
            _values.Add(milliseconds);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _values.Clear();
        }
    }

    public static LatencySamples Merge(IEnumerable<LatencySamples> parts)
    {
        var merged = new LatencySamples();
        foreach (var part in parts)
        {
            lock (part._lock)
            {
                merged._values.AddRange(part._values);
            }
        }

        return merged;
    }

    public double Percentile(double p)
    {
        lock (_lock)
        {
            if (_values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _values.Order().ToArray();
            var index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
            return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
        }
    }

    public string Summary() => $"n={Count}, p50={Percentile(50):F1} ms, p99={Percentile(99):F1} ms, max={Percentile(100):F1} ms";
}
