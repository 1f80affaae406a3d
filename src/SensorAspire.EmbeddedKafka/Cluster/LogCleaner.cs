using Microsoft.Extensions.Logging;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>
/// Runs time retention and compaction over every partition every <see cref="EmbeddedKafkaOptions.LogCleanupInterval"/>
/// on a timer (size retention also runs on every segment roll, compaction is also started by a roll). One run at a
/// time; a run that overlaps the next tick makes that tick skip. Tests call <see cref="RunOnce"/> instead of waiting.
/// </summary>
internal sealed partial class LogCleaner : IDisposable
{
    private readonly TopicRegistry _topics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private int _running;

    public LogCleaner(TopicRegistry topics, TimeProvider time, TimeSpan interval, ILogger logger)
    {
        _topics = topics;
        _time = time;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((LogCleaner)state!).Tick(), this, interval, interval);
    }

    /// <summary>Applies retention (at <paramref name="nowMs"/>, default now) and compacts; returns the bytes retention dropped.</summary>
    public long RunOnce(long? nowMs = null)
    {
        var dropped = _topics.ApplyRetention(nowMs ?? _time.GetUtcNow().ToUnixTimeMilliseconds());
        _topics.CompactAll();
        return dropped;
    }

    private void Tick()
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        try
        {
            RunOnce();
        }
        catch (Exception ex)
        {
            // A timer callback must never throw (it would end the process); the next tick tries again.
            LogCleanupFailed(ex);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose() => _timer.Dispose();

    [LoggerMessage(1, LogLevel.Warning, "Log retention or compaction failed; retrying on the next tick")]
    private partial void LogCleanupFailed(Exception exception);
}
