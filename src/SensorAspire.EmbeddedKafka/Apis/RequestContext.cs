using SensorAspire.EmbeddedKafka.Cluster;

namespace SensorAspire.EmbeddedKafka.Apis;

/// <summary>What a handler knows about the request besides its body: version, broker state and the connection.</summary>
internal sealed class RequestContext(BrokerState broker, short apiVersion, int correlationId, string? clientId, string clientHost, CancellationToken aborted)
{
    public BrokerState Broker { get; } = broker;

    public short ApiVersion { get; } = apiVersion;

    public int CorrelationId { get; } = correlationId;

    /// <summary>The client.id from the request header (null if the client sent none).</summary>
    public string? ClientId { get; } = clientId;

    /// <summary>The peer address as Kafka reports it in DescribeGroups, e.g. "/127.0.0.1".</summary>
    public string ClientHost { get; } = clientHost;

    /// <summary>Cancelled when the connection closes or the broker stops; parked handlers complete or give up on it.</summary>
    public CancellationToken Aborted { get; } = aborted;
}
