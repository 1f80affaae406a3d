namespace SensorAspire.ServiceDefaults;

/// <summary>
/// One per service: whether "Kafka cannot be reached" was said recently by any of its Kafka clients, so an outage is one
/// log line rather than one per client and per reconnection attempt (<see cref="KafkaClientLog"/>).
/// </summary>
public sealed class KafkaConnectionNotices(TimeProvider time)
{
    /// <summary>How long after a notice further connection trouble is logged at Debug only.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMinutes(1);

    private long _lastNotice = long.MinValue;

    /// <summary>True, once per <see cref="Quiet"/> period, for the client that should say it.</summary>
    public bool TryStartNotice()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastNotice);
        return (last == long.MinValue || time.GetElapsedTime(last, now) >= Quiet)
            && Interlocked.CompareExchange(ref _lastNotice, now, last) == last;
    }
}
