using System.Diagnostics;

namespace SensorAspire.Chart;

/// <summary>The chart's ActivitySource and Meter name; it matches the application name ServiceDefaults listens to.</summary>
public static class ChartTelemetry
{
    public const string Name = "SensorAspire.Chart";

    public static readonly ActivitySource ActivitySource = new(Name);
}
