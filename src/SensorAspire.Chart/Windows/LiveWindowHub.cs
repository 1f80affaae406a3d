using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SensorAspire.Chart.Streaming;
using SensorAspire.Contracts;

namespace SensorAspire.Chart.Windows;

/// <summary>
/// The broadcast hub of live windows: the latest window of every sensor, and the SSE clients (each a
/// <see cref="ClientFeed"/>) that every change is offered to.
/// </summary>
public sealed partial class LiveWindowHub(IOptions<ChartOptions> options, ILogger<LiveWindowHub> logger)
{
    private readonly ConcurrentDictionary<string, WindowFrame> _windows = new(StringComparer.Ordinal);
    private readonly Lock _subscribersLock = new();
    // Copy-on-write so the consume loop broadcasts without taking a lock that connecting clients also take.
    private ClientFeed[] _subscribers = [];
    private int _capacityWarned;

    public int Count => _windows.Count;

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>How many sensors may wait for one client before it is dropped (<see cref="ChartOptions.ClientBufferSize"/>).</summary>
    public int ClientBufferSize => options.Value.ClientBufferSize;

    /// <summary>Every sensor's latest window, ordered by sensor id.</summary>
    public IReadOnlyList<WindowUpdated> Snapshot() => [.. SnapshotFrames().Select(f => f.Window)];

    /// <summary>Every sensor's latest window with the bytes it came in, ordered by sensor id.</summary>
    public IReadOnlyList<WindowFrame> SnapshotFrames()
        => [.. _windows.Values.OrderBy(f => f.SensorId, StringComparer.Ordinal)];

    /// <summary>Stores a sensor's new window and offers it to every client; never waits on a client.</summary>
    public void Apply(WindowFrame frame)
    {
        var window = frame.Window;
        if (Ignores(window.SensorId))
        {
            return;
        }

        _windows[window.SensorId] = frame;
        foreach (var feed in Volatile.Read(ref _subscribers))
        {
            feed.Offer(frame);
        }
    }

    /// <summary>
    /// Whether an update of <paramref name="sensorId"/> would be ignored because the chart already keeps
    /// <see cref="ChartOptions.MaxSensors"/> other sensors (warned about once). The consume loop asks before reading
    /// the update, so the updates of sensors beyond the limit cost no parsing.
    /// </summary>
    public bool Ignores(string sensorId)
    {
        var maxSensors = options.Value.MaxSensors;
        // ContainsKey first: ConcurrentDictionary.Count takes every bucket lock.
        if (_windows.ContainsKey(sensorId) || _windows.Count < maxSensors)
        {
            return false;
        }

        if (Interlocked.Exchange(ref _capacityWarned, 1) == 0)
        {
            LogSensorLimitReached(maxSensors, sensorId);
        }

        return true;
    }

    /// <summary>Forgets a sensor (a tombstone on the compacted topic); pages drop it on their next reload.</summary>
    public void Remove(string sensorId) => _windows.TryRemove(sensorId, out _);

    /// <summary>
    /// Registers a client; dispose the feed to unregister. Subscribe before reading the snapshot so nothing is missed.
    /// <paramref name="onOverflow"/> runs once, on the Kafka consume loop, if the client falls too far behind.
    /// </summary>
    public ClientFeed Subscribe(Action? onOverflow = null)
    {
        var feed = new ClientFeed(options.Value.ClientBufferSize, Unsubscribe, onOverflow);
        lock (_subscribersLock)
        {
            _subscribers = [.. _subscribers, feed];
        }

        return feed;
    }

    private void Unsubscribe(ClientFeed feed)
    {
        lock (_subscribersLock)
        {
            _subscribers = Array.FindAll(_subscribers, f => f != feed);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The chart keeps at most {MaxSensors} sensors; ignoring {SensorId} and any further new sensors (Chart:MaxSensors)")]
    private partial void LogSensorLimitReached(int maxSensors, string sensorId);
}
