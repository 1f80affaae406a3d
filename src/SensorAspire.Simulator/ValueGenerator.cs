namespace SensorAspire.Simulator;

/// <summary>Produces the next value of each sensor (state per sensor for random walks; no allocation per value).</summary>
internal sealed class ValueGenerator
{
    private readonly Random _random;
    private readonly ValuePattern _pattern;
    private readonly double _step;
    private readonly ValueRange[] _ranges;
    private readonly double[] _last;

    public ValueGenerator(SimulatorOptions options)
    {
        _random = options.Seed is { } seed ? new Random(seed) : new Random();
        _pattern = options.Pattern;
        _step = options.RandomWalkStep;
        _ranges = [.. options.EffectiveRanges];
        _last = new double[options.SensorCount];
        for (var i = 0; i < _last.Length; i++)
        {
            _last[i] = Uniform(RangeOf(i));
        }
    }

    public double Next(int sensor)
    {
        var range = RangeOf(sensor);
        if (_pattern == ValuePattern.Uniform)
        {
            return Uniform(range);
        }

        var next = _last[sensor] + ((_random.NextDouble() * 2) - 1) * _step;
        if (next > range.Max)
        {
            next = range.Max - (next - range.Max);
        }
        else if (next < range.Min)
        {
            next = range.Min + (range.Min - next);
        }

        return _last[sensor] = Math.Clamp(next, range.Min, range.Max);
    }

    private ValueRange RangeOf(int sensor) => _ranges[sensor % _ranges.Length];

    private double Uniform(ValueRange range) => range.Min + (_random.NextDouble() * (range.Max - range.Min));
}
