using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SensorAspire.EmbeddedKafka.Apis;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>
/// Everything a handler may read or change: options, identity (node id, advertised endpoint, cluster id), topics, and
/// named components for state other APIs own (the group coordinator registers itself with <see cref="GetComponent{T}"/>).
/// </summary>
internal sealed class BrokerState
{
    /// <summary>Our only node. It is also the controller and every group's coordinator.</summary>
    public const int NodeId = 1;

    private readonly ConcurrentDictionary<Type, object> _components = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly FileStream? _directoryLock;
    private long _nextProducerId = 1000;
    private ApiRegistry? _apis;

    /// <summary>Recovers topics from the data directory when there is one, and starts the log cleaner.</summary>
    public BrokerState(EmbeddedKafkaOptions options, ILoggerFactory loggerFactory, TimeProvider? time = null)
    {
        Options = options;
        LoggerFactory = loggerFactory;
        time ??= TimeProvider.System;
        _directoryLock = LockDataDirectory(options.DataDirectory);
        try
        {
            ClusterId = LoadClusterId(options.DataDirectory, options.ClusterId);
        }
        catch
        {
            _directoryLock?.Dispose(); // refused: the directory stays free for a broker of its own cluster
            throw;
        }

        Topics = new TopicRegistry(options, time);

        // Producer ids found in recovered logs are never handed out again (their idempotence state lives on).
        _nextProducerId = Math.Max(_nextProducerId, Topics.MaxRecoveredProducerId);
        Cleaner = new LogCleaner(Topics, time, options.LogCleanupInterval, loggerFactory.CreateLogger<LogCleaner>());
    }

    public EmbeddedKafkaOptions Options { get; }

    public ILoggerFactory LoggerFactory { get; }

    /// <summary>Kafka's 22-character base64 UUID; kept in the data directory so it survives restarts.</summary>
    public string ClusterId { get; }

    public LogCleaner Cleaner { get; }

    public string AdvertisedHost => Options.AdvertisedHost;

    /// <summary>The port advertised to clients: AdvertisedPort, else the port actually bound; set once before the first connection is accepted.</summary>
    public int Port { get; set; }

    public TopicRegistry Topics { get; }

    /// <summary>The handlers, created on first use (they take this state in their constructors).</summary>
    public ApiRegistry Apis => _apis ??= new ApiRegistry(this);

    /// <summary>Cancelled when the broker stops; parked requests (Fetch, JoinGroup, ...) must complete on it.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Test hook: called for every request with its key and version before the handler runs.</summary>
    public Action<KafkaRequestInfo>? RequestObserver { get; set; }

    public long NextProducerId() => Interlocked.Increment(ref _nextProducerId);

    /// <summary>
    /// Returns the broker-wide instance of a component (for example a group coordinator shared by the group APIs),
    /// creating it on first use. Components that are <see cref="IAsyncDisposable"/> are disposed when the broker stops.
    /// </summary>
    public T GetComponent<T>(Func<BrokerState, T> factory) where T : class =>
        (T)_components.GetOrAdd(typeof(T), static (_, state) => state.factory(state.broker), (factory, broker: this));

    /// <summary>Cancels <see cref="Stopping"/> and wakes parked Fetches.</summary>
    public async ValueTask StopAsync()
    {
        await _stopping.CancelAsync();
        Cleaner.Dispose();
        Topics.CloseAll();
    }

    /// <summary>
    /// The directory's id when it has one, else <paramref name="requested"/> or a new one, written to the directory. A
    /// directory of another cluster is refused, as Kafka refuses a log directory whose <c>meta.properties</c> names another
    /// <c>cluster.id</c>: serving it would hand clients another cluster's data under this cluster's name.
    /// </summary>
    private static string LoadClusterId(string? dataDirectory, string? requested)
    {
        var path = dataDirectory is null ? null : Path.Combine(dataDirectory, "cluster-id");
        if (path is not null && File.Exists(path))
        {
            var stored = File.ReadAllText(path).Trim();
            return requested is null || requested == stored
                ? stored
                : throw new InvalidOperationException(
                    $"The data directory '{dataDirectory}' belongs to Kafka cluster {stored}, not {requested}; use another directory or the cluster id it has.");
        }

        var id = requested ?? NewClusterId();
        if (path is not null)
        {
            File.WriteAllText(path, id);
        }

        return id;
    }

    /// <summary>A cluster id as Kafka makes them (<c>kafka-storage random-uuid</c>): a UUID in URL-safe base64, 22 characters.</summary>
    public static string NewClusterId() =>
        Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Disposes components once no connection is left to use them, then lets another broker use the data directory.</summary>
    public async ValueTask DisposeComponentsAsync()
    {
        foreach (var component in _components.Values)
        {
            if (component is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }

        _directoryLock?.Dispose();
    }

    /// <summary>
    /// Two brokers writing the same files would corrupt them, so the data directory is locked for the broker's
    /// lifetime (an exclusive lock on <c>PATH/.lock</c>; the OS releases it if the process dies).
    /// </summary>
    private static FileStream? LockDataDirectory(string? dataDirectory)
    {
        if (dataDirectory is null)
        {
            return null;
        }

        Directory.CreateDirectory(dataDirectory);
        try
        {
            return new FileStream(Path.Combine(dataDirectory, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"EmbeddedKafkaOptions.DataDirectory '{dataDirectory}' is in use by another broker.", ex);
        }
    }
}
