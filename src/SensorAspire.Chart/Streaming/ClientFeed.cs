using System.Threading.Channels;

namespace SensorAspire.Chart.Streaming;

/// <summary>
/// What one SSE client still has to receive: at most one window per sensor, in the order sensors first changed.
/// </summary>
/// <remarks>
/// <see cref="Offer"/> runs on the Kafka consume loop for every connected client, so it never blocks or waits on the
/// client: a newer window of a sensor that is already waiting replaces it in place (coalescing, so a burst never floods a
/// browser and a slow client skips intermediate windows), and a client with more distinct sensors waiting than the
/// capacity is marked overflowed and ends its stream. Memory per client is therefore bounded by the capacity.
/// </remarks>
public sealed class ClientFeed : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, WindowFrame> _pending = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    // One pending wake-up is enough: the reader drains everything that is waiting when it wakes.
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly Action<ClientFeed> _onDispose;
    private readonly Action? _onOverflow;
    private bool _overflowed;

    internal ClientFeed(int capacity, Action<ClientFeed> onDispose, Action? onOverflow = null)
    {
        Capacity = capacity;
        _onDispose = onDispose;
        _onOverflow = onOverflow;
    }

    public int Capacity { get; }

    /// <summary>True once the client fell more than <see cref="Capacity"/> sensors behind; it gets nothing more.</summary>
    public bool Overflowed
    {
        get
        {
            lock (_lock)
            {
                return _overflowed;
            }
        }
    }

    /// <summary>
    /// Queues a window for the client without waiting; returns false if the client has overflowed. The first overflow
    /// calls the overflow callback (the endpoint aborts the connection: its writer may be stuck on a full socket).
    /// </summary>
    public bool Offer(WindowFrame window)
    {
        var overflowedNow = false;
        lock (_lock)
        {
            if (_overflowed)
            {
                return false;
            }

            if (_pending.ContainsKey(window.SensorId))
            {
                _pending[window.SensorId] = window;
            }
            else if (_pending.Count < Capacity)
            {
                _pending.Add(window.SensorId, window);
                _order.Enqueue(window.SensorId);
            }
            else
            {
                // Drop what is waiting now: the client is disconnected and reloads the current windows on reconnect.
                _overflowed = overflowedNow = true;
                _pending.Clear();
                _order.Clear();
            }
        }

        _signal.Writer.TryWrite(true);
        if (overflowedNow)
        {
            _onOverflow?.Invoke();
            return false;
        }

        return true;
    }

    /// <summary>Takes the oldest waiting window, or returns false when nothing waits (or the client overflowed).</summary>
    public bool TryTake(out WindowFrame window)
    {
        lock (_lock)
        {
            if (_order.TryDequeue(out var sensorId))
            {
                _pending.Remove(sensorId, out window!);
                return true;
            }
        }

        window = null!;
        return false;
    }

    /// <summary>Waits until something was offered since the last wake-up; false once the client overflowed.</summary>
    public async ValueTask<bool> WaitAsync(CancellationToken cancellationToken)
    {
        await _signal.Reader.ReadAsync(cancellationToken);
        return !Overflowed;
    }

    public void Dispose() => _onDispose(this);
}
