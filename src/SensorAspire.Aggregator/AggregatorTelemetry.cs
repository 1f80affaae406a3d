using System.Diagnostics;
using System.Diagnostics.Metrics;
using SensorAspire.Aggregator.Windows;

namespace SensorAspire.Aggregator;

/// <summary>The aggregator's ActivitySource and instruments (names match the assembly, which ServiceDefaults collects).</summary>
internal sealed class AggregatorTelemetry
{
    public const string Name = "SensorAspire.Aggregator";

    public static readonly ActivitySource Source = new(Name);

    private static readonly double[] s_latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public AggregatorTelemetry(IMeterFactory meterFactory, WindowStore store)
    {
        var meter = meterFactory.Create(Name);
        ReadingsApplied = meter.CreateCounter<long>("sensor.readings.applied", "{reading}", "Readings applied to a window.");
        ReadingsSkipped = meter.CreateCounter<long>("sensor.readings.skipped", "{reading}",
            "Readings not applied: reason=duplicate (already in a published window) or too-old (out-of-order rule).");
        DeadLetters = meter.CreateCounter<long>("sensor.dead_letters", "{message}", "Messages sent to the dead-letter topic, by reason.");
        WindowUpdates = meter.CreateCounter<long>("sensor.window_updates.published", "{update}", "Window updates delivered to the windows topic.");
        Latency = meter.CreateHistogram("sensor.pipeline.latency", "s",
            "From the oldest reading in a window update (its timestamp) to the update's delivery to Kafka.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_latencyBuckets });
        meter.CreateObservableGauge("sensor.windows", () => store.Count, "{sensor}", "Sensor windows held in memory.");
    }

    public Counter<long> ReadingsApplied { get; }

    public Counter<long> ReadingsSkipped { get; }

    public Counter<long> DeadLetters { get; }

    public Counter<long> WindowUpdates { get; }

    public Histogram<double> Latency { get; }
}
