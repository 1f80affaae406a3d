using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SensorAspire.AppHost;

/// <summary>Runs src/SensorAspire.EmbeddedKafka as a project and exposes it as a Kafka connection string.</summary>
internal static class EmbeddedKafkaResourceExtensions
{
    /// <summary>Configuration key of the switch: <c>--Kafka:Embedded=true</c> or <c>Kafka__Embedded=true</c>.</summary>
    public const string SwitchKey = "Kafka:Embedded";

    /// <summary>Port of the embedded broker (default 9092, the port the tutorial's producer uses).</summary>
    public const string PortKey = "Kafka:EmbeddedPort";

    /// <summary>Where the embedded broker keeps its data, relative to the AppHost project; unset keeps it in memory.</summary>
    public const string DataDirectoryKey = "Kafka:EmbeddedDataDirectory";

    private const string EndpointName = "tcp";

    /// <summary>
    /// Adds the broker project as <c>{name}-broker</c> and a connection-string resource <paramref name="name"/>
    /// whose value is the broker's bootstrap address, so <c>WithReference(kafka)</c> injects the same
    /// <c>ConnectionStrings__kafka</c> as <c>AddKafka</c> does.
    /// </summary>
    public static IResourceBuilder<ConnectionStringResource> AddEmbeddedKafka(this IDistributedApplicationBuilder builder, string name)
    {
        var port = builder.Configuration.GetValue(PortKey, 9092);
        var healthCheckKey = $"{name}-broker_check";

        // Not proxied: the broker advertises its own address in Metadata responses, so clients must reach the
        // port it listens on, not a DCP proxy in front of it.
        var broker = builder.AddProject<Projects.SensorAspire_EmbeddedKafka>($"{name}-broker")
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: EndpointName, isProxied: false)
            .WithArgs("--port", port.ToString(CultureInfo.InvariantCulture))
            .WithHealthCheck(healthCheckKey);
        if (builder.Configuration[DataDirectoryKey] is { Length: > 0 } dataDirectory)
        {
            broker.WithArgs("--data-dir", Path.GetFullPath(dataDirectory, builder.AppHostDirectory));
        }

        // Healthy once the broker accepts TCP connections on its port.
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheckKey, async cancellationToken =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port, cancellationToken);
            return HealthCheckResult.Healthy();
        });

        // 127.0.0.1 rather than "localhost": the broker listens on the IPv4 loopback only.
        var endpoint = broker.GetEndpoint(EndpointName);
        return builder.AddConnectionString(name, ReferenceExpression.Create($"127.0.0.1:{endpoint.Property(EndpointProperty.Port)}"))
            .WaitFor(broker);
    }
}
