using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Adds the embedded broker the way Aspire.Hosting.Kafka adds the Kafka container.</summary>
public static class EmbeddedKafkaBuilderExtensions
{
    /// <summary>
    /// Adds our broker as the Kafka resource <paramref name="name"/>. <paramref name="port"/> is the host port clients use
    /// (the tutorial's producer expects 9092). <c>WaitFor</c> on it waits until the broker answers a Kafka request.
    /// </summary>
    public static IResourceBuilder<EmbeddedKafkaResource> AddEmbeddedKafka(this IDistributedApplicationBuilder builder, string name, int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);

        var resource = new EmbeddedKafkaResource(name);
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new KafkaApiVersionsHealthCheck(resource), failureStatus: null, tags: null));

        // WithProjectDefaults gives the broker what AddProject gives a project (OTLP settings, the dashboard's Rebuild
        // command); it is marked for evaluation (ASPIREPROJECTS001), and it is the documented way for a resource type of
        // our own to be launched as a .NET project.
        // Not proxied: the broker advertises its own address in Metadata responses, so clients must reach the port it
        // listens on, not a DCP proxy in front of it.
#pragma warning disable ASPIREPROJECTS001
        return builder.AddResource(resource)
            .WithAnnotation<IProjectMetadata>(new Projects.SensorAspire_EmbeddedKafka())
            .WithProjectDefaults(new ProjectResourceOptions { ExcludeLaunchProfile = true })
            .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: EmbeddedKafkaResource.PrimaryEndpointName, isProxied: false)
            .WithArgs("--port", port.ToString(CultureInfo.InvariantCulture))
            .WithHealthCheck(healthCheckKey);
#pragma warning restore ASPIREPROJECTS001
    }

    /// <summary>
    /// Keeps the broker's topics, logs and committed offsets in <paramref name="path"/> (relative to the AppHost project)
    /// across runs, as <c>WithDataVolume</c> does for the Kafka container. Without it the broker keeps everything in memory.
    /// </summary>
    public static IResourceBuilder<EmbeddedKafkaResource> WithDataDirectory(this IResourceBuilder<EmbeddedKafkaResource> builder, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.WithArgs("--data-dir", Path.GetFullPath(path, builder.ApplicationBuilder.AppHostDirectory));
    }
}
