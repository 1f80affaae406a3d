using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace SensorAspire.Chart.Tests;

/// <summary>Collects <c>sensoraspire.chart.push.latency</c> measurements of one app (its own IMeterFactory).</summary>
internal sealed class PushLatencyRecorder : IDisposable
{
    private readonly MeterListener _listener = new();

    private PushLatencyRecorder(IMeterFactory scope)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == scope && instrument.Name == "sensoraspire.chart.push.latency")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => Values.Enqueue(value));
        _listener.Start();
    }

    public ConcurrentQueue<double> Values { get; } = new();

    public static PushLatencyRecorder Listen(ChartApp app) => new(app.Services.GetRequiredService<IMeterFactory>());

    public void Dispose() => _listener.Dispose();
}
