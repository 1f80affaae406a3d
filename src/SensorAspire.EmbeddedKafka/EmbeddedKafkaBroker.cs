using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SensorAspire.EmbeddedKafka.Cluster;
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

    public static Task<EmbeddedKafkaBroker> StartAsync(EmbeddedKafkaOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new EmbeddedKafkaOptions();
        Validate(options);
        var started = Stopwatch.GetTimestamp();
        EnsureThreadPoolHeadroom();
        var broker = new EmbeddedKafkaBroker(options);
        broker.LogStarted(broker.BootstrapServers, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        if (options.DataDirectory is { } dataDirectory)
        {
            // Persistence arrives with issue 6; until then say so rather than pretend data survives a restart.
            broker.LogDataDirectoryIgnored(dataDirectory);
        }

        return Task.FromResult(broker);
    }

    /// <summary>
    /// The broker runs on the thread pool. In-process hosts (tests, benchmarks) often block pool threads in
    /// Consume() calls; on a 2-core machine two such calls starve the pool and every request waits ~0.5 s for the pool
    /// to grow. A few spare threads up front avoid that (a one-time, process-wide floor; it never lowers a setting).
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

        if (options.MaxRequestBytes < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxRequestBytes, "EmbeddedKafkaOptions.MaxRequestBytes must be at least 1024.");
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

    [LoggerMessage(1, LogLevel.Information, "Embedded Kafka broker listening on {BootstrapServers} (started in {ElapsedMs:F1} ms)")]
    private partial void LogStarted(string bootstrapServers, double elapsedMs);

    [LoggerMessage(2, LogLevel.Information, "Embedded Kafka broker on {BootstrapServers} stopped")]
    private partial void LogStopped(string bootstrapServers);

    [LoggerMessage(3, LogLevel.Warning, "DataDirectory {DataDirectory} is not used yet: this broker keeps everything in memory")]
    private partial void LogDataDirectoryIgnored(string dataDirectory);
}
