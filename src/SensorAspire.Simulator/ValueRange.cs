namespace SensorAspire.Simulator;

/// <summary>An inclusive range of simulated values.</summary>
public sealed class ValueRange
{
    public ValueRange()
    {
    }

    public ValueRange(double min, double max) => (Min, Max) = (min, max);

    public double Min { get; set; }

    public double Max { get; set; }
}
