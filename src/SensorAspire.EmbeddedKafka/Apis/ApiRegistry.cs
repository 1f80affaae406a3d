using System.Reflection;
using SensorAspire.EmbeddedKafka.Cluster;

namespace SensorAspire.EmbeddedKafka.Apis;

/// <summary>
/// The single source of truth for what the broker speaks: every <see cref="IApiHandler"/> in this assembly, found once
/// at start-up (the kfake <c>regKey</c> idea). ApiVersions answers from <see cref="Handlers"/>, and the connection
/// closes on any key or version not listed here, so nothing is ever advertised that is not implemented.
///
/// How to add an API:
///   1. Add <c>Apis/NN_Name.cs</c> (NN = the API key, two digits) with the kfake-style header comment (versions,
///      behaviour, not implemented) and one <c>internal sealed class NameApi(BrokerState broker) :
///      ApiHandler&lt;NameRequest, NameResponse&gt;(ApiMessageCatalog.Name, min, max)</c>: the key and supported version
///      range in that one line (the guide's section 1 table). Nothing else needs registering.
///   2. Broker state: <c>broker.Topics</c> (Find/TryGet a topic, <c>topic.PartitionCount</c>, <c>topic.Partition(i)</c>,
///      the <c>TopicDeleted</c> event), <c>broker.Options</c>, <c>BrokerState.NodeId</c>, <c>broker.AdvertisedHost</c>,
///      <c>broker.Port</c>. State shared by several APIs (a group coordinator) lives in one object obtained with
///      <c>broker.GetComponent(b =&gt; new GroupCoordinator(b))</c>; make it IAsyncDisposable to stop timers on shutdown.
///   3. Per request: <c>context.ClientId</c>, <c>context.ClientHost</c> ("/127.0.0.1"), <c>context.ApiVersion</c>,
///      and <c>context.Aborted</c> (connection closed or broker stopping).
///   4. To park (JoinGroup, SyncGroup, Fetch long-poll) just await: the connection keeps its responses in order and
///      other connections are not blocked. Complete parked requests when <c>context.Aborted</c> fires.
/// </summary>
internal sealed class ApiRegistry
{
    private static readonly Type[] s_handlerTypes = typeof(ApiRegistry).Assembly.GetTypes()
        .Where(t => t is { IsAbstract: false, IsClass: true } && typeof(IApiHandler).IsAssignableFrom(t))
        .ToArray();

    private readonly IApiHandler?[] _byKey;

    public ApiRegistry(BrokerState broker)
    {
        Handlers = s_handlerTypes
            .Select(t => (IApiHandler)Activator.CreateInstance(t, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, null, [broker], null)!)
            .OrderBy(h => h.ApiKey)
            .ToArray();
        _byKey = new IApiHandler?[Handlers.Max(h => h.ApiKey) + 1];
        foreach (var handler in Handlers)
        {
            if (_byKey[handler.ApiKey] is not null)
            {
                throw new InvalidOperationException($"Two handlers for API key {handler.ApiKey}.");
            }

            _byKey[handler.ApiKey] = handler;
        }
    }

    /// <summary>All handlers ordered by API key.</summary>
    public IReadOnlyList<IApiHandler> Handlers { get; }

    public IApiHandler? Find(short apiKey) => (uint)apiKey < (uint)_byKey.Length ? _byKey[apiKey] : null;
}
