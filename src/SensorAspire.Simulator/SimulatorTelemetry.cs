using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SensorAspire.Simulator;

/// <summary>The simulator's ActivitySource and instruments (named after the assembly, which ServiceDefaults collects).</summary>
internal sealed class SimulatorTelemetry
{
    public const string Name = "SensorAspire.Simulator";

    public static readonly ActivitySource Source = new(Name);

    public SimulatorTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        ReadingsSent = meter.CreateCounter<long>("sensor.readings.sent", "{reading}", "Readings acknowledged by Kafka.");
        ReadingsFailed = meter.CreateCounter<long>("sensor.readings.failed", "{reading}", "Readings Kafka did not accept.");
    }

    public Counter<long> ReadingsSent { get; }

    public Counter<long> ReadingsFailed { get; }
}
