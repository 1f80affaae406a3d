using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Network;

namespace SensorAspire.EmbeddedKafka;

/// <summary>A single-node broker that speaks the Kafka wire protocol, for development and tests.</summary>
public sealed partial class EmbeddedKafkaBroker : IAsyncDisposable
{
    private readonly BrokerState _state;
    private readonly BrokerListener _listener;
    private readonly ILogger _logger;
    private int _disposed;

    private EmbeddedKafkaBroker(EmbeddedKafkaOptions options)
    {
        Options = options;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<EmbeddedKafkaBroker>();
        _state = new BrokerState(options, loggerFactory);
        _ = _state.Apis;

        // Created now rather than on the first group request, so stored offsets of a deleted topic are always dropped.
        _ = _state.GetComponent(GroupCoordinator.Create);
        _listener = new BrokerListener(_state);
    }

    public EmbeddedKafkaOptions Options { get; }

    /// <summary>
    /// The bootstrap address clients use, e.g. <c>127.0.0.1:9092</c>: the advertised host and port, which is the real
    /// port when <see cref="EmbeddedKafkaOptions.Port"/> is 0 and no <see cref="EmbeddedKafkaOptions.AdvertisedPort"/> is set.
    /// </summary>
    public string BootstrapServers => $"{_state.AdvertisedHost}:{_state.Port}";

    /// <summary>The bound TCP port.</summary>
    public int Port => _listener.Port;

    /// <summary>Client connections open right now (never more than <see cref="EmbeddedKafkaOptions.MaxConnections"/>).</summary>
    public int ConnectionCount => _listener.ConnectionCount;

    /// <summary>Test hook: called for every request the broker receives, before it is handled.</summary>
    public Action<KafkaRequestInfo>? RequestObserver
    {
        get => _state.RequestObserver;
        set => _state.RequestObserver = value;
    }

    /// <summary>
    /// Test hook: applies retention (at <paramref name="nowMs"/>, default now) and compaction to every partition now
    /// instead of waiting for <see cref="EmbeddedKafkaOptions.LogCleanupInterval"/>. Returns the bytes retention dropped.
    /// </summary>
    internal long CleanLogsNow(long? nowMs = null) => _state.Cleaner.RunOnce(nowMs);

    internal BrokerState State => _state;

    /// <summary>The cluster id clients see in Metadata: <see cref="EmbeddedKafkaOptions.ClusterId"/>, the data directory's, or a new one.</summary>
    public string ClusterId => _state.ClusterId;

    public static Task<EmbeddedKafkaBroker> StartAsync(EmbeddedKafkaOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new EmbeddedKafkaOptions();
        Validate(options);
        var started = Stopwatch.GetTimestamp();
        EnsureThreadPoolHeadroom();
        var broker = new EmbeddedKafkaBroker(options);
        broker.LogStarted(broker.BootstrapServers, broker._state.ClusterId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (options.DataDirectory is { } dataDirectory)
        {
            broker.LogRecovered(dataDirectory, broker._state.Topics.Count, broker._state.Topics.RecoveredTruncatedBytes);
        }

        return Task.FromResult(broker);
    }

    /// <summary>
    /// The broker runs on the thread pool. In-process hosts (tests, benchmarks) often block pool threads in
    /// Consume() calls; on a 2-core machine two such calls starve the pool, and every request then waits for the pool's
    /// deliberately slow thread injection. A few spare threads up front avoid that (a one-time, process-wide floor; it
    /// never lowers a setting).
    /// </summary>
    private static void EnsureThreadPoolHeadroom()
    {
        const int MinimumWorkers = 16;
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < MinimumWorkers)
        {
            ThreadPool.SetMinThreads(MinimumWorkers, completionPorts);
        }
    }

    private static void Validate(EmbeddedKafkaOptions options)
    {
        if (options.Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, "EmbeddedKafkaOptions.Port must be 0..65535.");
        }

        if (options.DefaultPartitions < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DefaultPartitions, "EmbeddedKafkaOptions.DefaultPartitions must be at least 1.");
        }

        if (options.MaxPartitionsPerTopic < options.DefaultPartitions)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPartitionsPerTopic, "EmbeddedKafkaOptions.MaxPartitionsPerTopic must be at least DefaultPartitions.");
        }

        if (string.IsNullOrWhiteSpace(options.AdvertisedHost))
        {
            throw new ArgumentException("EmbeddedKafkaOptions.AdvertisedHost must be set.", nameof(options));
        }

        if (options.AdvertisedPort is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.AdvertisedPort, "EmbeddedKafkaOptions.AdvertisedPort must be 0..65535.");
        }

        if (options.MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConnections, "EmbeddedKafkaOptions.MaxConnections must be at least 1.");
        }

        if (options.FetchMaxBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FetchMaxBytes, "EmbeddedKafkaOptions.FetchMaxBytes must be at least 1024.");
        }

        if (options.SegmentBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SegmentBytes, "EmbeddedKafkaOptions.SegmentBytes must be at least 1.");
        }

        if (options.RetentionBytes < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RetentionBytes, "EmbeddedKafkaOptions.RetentionBytes must be -1 (no limit) or at least 0.");
        }

        if (options.RetentionTime < TimeSpan.Zero && options.RetentionTime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RetentionTime, "EmbeddedKafkaOptions.RetentionTime must be positive or Timeout.InfiniteTimeSpan.");
        }

        if (options.LogCleanupInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LogCleanupInterval, "EmbeddedKafkaOptions.LogCleanupInterval must be positive.");
        }

        if (options.DataDirectory is { } dataDirectory && string.IsNullOrWhiteSpace(dataDirectory))
        {
            throw new ArgumentException("EmbeddedKafkaOptions.DataDirectory must be null or a path.", nameof(options));
        }

        if (options.ClusterId is { } clusterId && string.IsNullOrWhiteSpace(clusterId))
        {
            throw new ArgumentException("EmbeddedKafkaOptions.ClusterId must be null or an id.", nameof(options));
        }

        if (options.MaxRequestBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxRequestBytes, "EmbeddedKafkaOptions.MaxRequestBytes must be at least 1024.");
        }
    }

    /// <summary>
    /// Waits until no client connection is open, or <paramref name="timeout"/> has passed. The broker keeps serving
    /// meanwhile, reconnections included, so a client that is shutting down can still commit and flush.
    /// </summary>
    public async Task WaitForClientsToDisconnectAsync(TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (ConnectionCount > 0 && waited.Elapsed < timeout && await tick.WaitForNextTickAsync())
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _state.StopAsync();
        await _listener.DisposeAsync();
        await _state.DisposeComponentsAsync();
        LogStopped(BootstrapServers);
    }

    [LoggerMessage(1, LogLevel.Information, "Embedded Kafka broker listening on {BootstrapServers}, cluster id {ClusterId} (started in {ElapsedMs:F1} ms)")]
    private partial void LogStarted(string bootstrapServers, string clusterId, double elapsedMs);

    [LoggerMessage(2, LogLevel.Information, "Embedded Kafka broker on {BootstrapServers} stopped")]
    private partial void LogStopped(string bootstrapServers);

    [LoggerMessage(3, LogLevel.Information, "Data directory {DataDirectory}: {TopicCount} topics recovered ({TruncatedBytes} bytes of torn segment tails cut)")]
    private partial void LogRecovered(string dataDirectory, int topicCount, long truncatedBytes);
}
