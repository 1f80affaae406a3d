using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SensorAspire.EmbeddedKafka.Apis;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>
/// Everything a handler may read or change: options, identity (node id, advertised endpoint, cluster id), topics, and
/// named components for state other APIs own (the group coordinator registers itself with <see cref="GetComponent{T}"/>).
/// </summary>
internal sealed class BrokerState(EmbeddedKafkaOptions options, ILoggerFactory loggerFactory)
{
    /// <summary>Our only node. It is also the controller and every group's coordinator.</summary>
    public const int NodeId = 1;

    private readonly ConcurrentDictionary<Type, object> _components = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _nextProducerId = 1000;
    private ApiRegistry? _apis;

    public EmbeddedKafkaOptions Options { get; } = options;

    public ILoggerFactory LoggerFactory { get; } = loggerFactory;

    /// <summary>A stable id for this broker's lifetime; Kafka uses a 22-character base64 UUID.</summary>
    public string ClusterId { get; } = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public string AdvertisedHost => Options.AdvertisedHost;

    /// <summary>The port advertised to clients: AdvertisedPort, else the port actually bound; set once before the first connection is accepted.</summary>
    public int Port { get; set; }

    public TopicRegistry Topics { get; } = new();

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
        Topics.CloseAll();
    }

    /// <summary>Disposes components once no connection is left to use them.</summary>
    public async ValueTask DisposeComponentsAsync()
    {
        foreach (var component in _components.Values)
        {
            if (component is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }
}
