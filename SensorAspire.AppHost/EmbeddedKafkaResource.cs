namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Our Kafka-wire-protocol broker (src/SensorAspire.EmbeddedKafka) run as a .NET project that is also a Kafka connection
/// string: one resource whose state, logs and health are the broker's, referenced exactly like <c>AddKafka</c>'s.
/// </summary>
public sealed class EmbeddedKafkaResource(string name) : ProjectResource(name), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    private EndpointReference? _primaryEndpoint;

    /// <summary>The broker's listener, the port clients bootstrap from and the broker advertises in Metadata.</summary>
    public EndpointReference PrimaryEndpoint => _primaryEndpoint ??= new(this, PrimaryEndpointName);

    /// <summary>
    /// A bootstrap-servers list, as from <c>AddKafka</c>. 127.0.0.1 rather than localhost: the broker listens on the IPv4
    /// loopback only, and a client that tries ::1 first logs a refused connection before it falls back.
    /// </summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{PrimaryEndpoint.Property(EndpointProperty.Port)}");

    /// <summary>The same connection properties as <c>KafkaServerResource</c>: <c>KAFKA_HOST</c> and <c>KAFKA_PORT</c>.</summary>
    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"127.0.0.1"));
        yield return new("Port", ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Port)}"));
    }
}
