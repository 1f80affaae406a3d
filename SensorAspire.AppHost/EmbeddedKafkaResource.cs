namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Our Kafka-wire-protocol broker (src/SensorAspire.EmbeddedKafka) run as a .NET project that is also a Kafka connection
/// string: one resource whose state, logs and health are the broker's, referenced exactly like <c>AddKafka</c>'s.
/// </summary>
public sealed class EmbeddedKafkaResource(string name) : ProjectResource(name), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    /// <summary>The port the broker listens on in a container, Kafka's own.</summary>
    public const int ContainerPort = 9092;

    /// <summary>Where the broker keeps its data in a container: a volume's mount point (confluent-local's path too).</summary>
    public const string ContainerDataDirectory = "/var/lib/kafka/data";

    private EndpointReference? _primaryEndpoint;

    /// <summary>The broker's listener, the port clients bootstrap from and the broker advertises in Metadata.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <summary>
    /// The cluster id the broker must have in run mode (<c>--cluster-id</c>): made for the run, or the one a kept data
    /// directory already holds. The health check compares it with the answering broker's, so that another Kafka on the
    /// port is never taken for ours. Null in publish mode: there the broker's volume holds the deployment's id.
    /// </summary>
    public string? ClusterId { get; internal set; }

    /// <summary>
    /// The host clients are given: in run mode 127.0.0.1 (the broker listens on the IPv4 loopback only, and a client that
    /// tries ::1 first logs a refused connection before it falls back); in a deployment the endpoint's host, the
    /// resource's name on the deployment's network.
    /// </summary>
    public EndpointReferenceExpression Host => PrimaryEndpoint.Property(EndpointProperty.IPV4Host);

    /// <summary>
    /// The port the broker listens on and advertises. Not proxied, so in run mode it is also the port on the host; in a
    /// deployment it is the container's port, the one other containers reach.
    /// </summary>
    public EndpointReferenceExpression Port => PrimaryEndpoint.Property(EndpointProperty.TargetPort);

    /// <summary>A bootstrap-servers list, as from <c>AddKafka</c>: <c>127.0.0.1:9092</c> in run mode, <c>kafka:9092</c> deployed.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Host}:{Port}");

    /// <summary>The same connection properties as <c>KafkaServerResource</c>: <c>KAFKA_HOST</c> and <c>KAFKA_PORT</c>.</summary>
    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"{Host}"));
        yield return new("Port", ReferenceExpression.Create($"{Port}"));
    }
}
