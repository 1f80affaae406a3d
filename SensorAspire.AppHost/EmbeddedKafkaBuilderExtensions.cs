using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>Adds the embedded broker the way Aspire.Hosting.Kafka adds the Kafka container.</summary>
public static partial class EmbeddedKafkaBuilderExtensions
{
    /// <summary>
    /// Adds our broker as the Kafka resource <paramref name="name"/>. <paramref name="port"/> is the host port clients use
    /// (the tutorial's producer expects 9092). <c>WaitFor</c> on it waits until this run's broker answers a Kafka request.
    /// In run mode the broker keeps everything in memory until <see cref="WithDataDirectory"/> gives it a directory; in a
    /// deployment it listens on <see cref="EmbeddedKafkaResource.ContainerPort"/> and keeps its data in
    /// <see cref="EmbeddedKafkaResource.ContainerDataDirectory"/>, where the deployment mounts a volume.
    /// </summary>
    public static IResourceBuilder<EmbeddedKafkaResource> AddEmbeddedKafka(this IDistributedApplicationBuilder builder, string name, int port)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);

        var runMode = builder.ExecutionContext.IsRunMode;
        var resource = new EmbeddedKafkaResource(name) { ClusterId = runMode ? NewClusterId() : null };
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new KafkaClusterHealthCheck(resource), failureStatus: null, tags: null));

        // WithProjectDefaults gives the broker what AddProject gives a project (OTLP settings, the dashboard's Rebuild
        // command); it is marked for evaluation (ASPIREPROJECTS001), and it is the documented way for a resource type of
        // our own to be launched as a .NET project.
        // Not proxied: the broker advertises its own address in Metadata responses, so clients must reach the port it
        // listens on, not a DCP proxy in front of it.
#pragma warning disable ASPIREPROJECTS001
        var kafka = builder.AddResource(resource)
            .WithAnnotation<IProjectMetadata>(new Projects.SensorAspire_EmbeddedKafka())
            .WithProjectDefaults(new ProjectResourceOptions { ExcludeLaunchProfile = true })
            .WithEndpoint(port: port, targetPort: runMode ? port : EmbeddedKafkaResource.ContainerPort, scheme: "tcp",
                name: EmbeddedKafkaResource.PrimaryEndpointName, isProxied: false)
            .WithArgs("--port", resource.Port, "--advertised-host", resource.Host)
            .WithArgs(context =>
            {
                if (resource.ClusterId is { } clusterId)
                {
                    context.Args.Add("--cluster-id");
                    context.Args.Add(clusterId);
                }
            })
            .WithHealthCheck(healthCheckKey)
            .OnBeforeResourceStarted(SayWhenThePortIsTakenAsync)
            .WithManifestPublishingCallback(context => WriteManifestAsync(context, resource));
#pragma warning restore ASPIREPROJECTS001
        return runMode ? kafka : kafka.WithArgs("--data-dir", EmbeddedKafkaResource.ContainerDataDirectory);
    }

    /// <summary>
    /// Before each start of the broker (the first, and every Start or Restart from the dashboard), tells the user once, in
    /// the AppHost's console and in the resource's log, when something else already listens on the port: the broker
    /// would fail to bind, and the health check would keep the services waiting with no word of why. A broker of this
    /// run's own cluster still shutting down is not "something else".
    /// </summary>
    private static async Task SayWhenThePortIsTakenAsync(EmbeddedKafkaResource resource, BeforeResourceStartedEvent e, CancellationToken cancellationToken)
    {
        if (resource.ClusterId is null)
        {
            return;
        }

        // The port the broker is about to listen on: configured, so known before DCP reports the endpoint allocated.
        var port = resource.PrimaryEndpoint.EndpointAnnotation.TargetPort!.Value;
        var answer = await KafkaPortProbe.ProbeAsync(port, cancellationToken);
        if (answer.Listening && answer.ClusterId != resource.ClusterId)
        {
            var message = KafkaPortProbe.PortTakenMessage(port, answer, resource.ClusterId);
            LogPortTaken(e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource), message);
            LogPortTaken(e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SensorAspire.AppHost"), message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "kafka: {Message}")]
    private static partial void LogPortTaken(ILogger logger, string message);

    /// <summary>
    /// Keeps the broker's topics, logs and committed offsets in <paramref name="path"/> (relative to the AppHost project)
    /// across runs, as <c>WithDataVolume</c> does for the Kafka container. A directory that already holds a cluster keeps
    /// its cluster id.
    /// </summary>
    public static IResourceBuilder<EmbeddedKafkaResource> WithDataDirectory(this IResourceBuilder<EmbeddedKafkaResource> builder, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetFullPath(path, builder.ApplicationBuilder.AppHostDirectory);
        if (builder.Resource.ClusterId is not null && File.Exists(Path.Combine(directory, "cluster-id")))
        {
            builder.Resource.ClusterId = File.ReadAllText(Path.Combine(directory, "cluster-id")).Trim();
        }

        return builder.WithArgs("--data-dir", directory);
    }

    /// <summary>
    /// The manifest entry of a project (Aspire writes none for a project resource of our own type) plus the connection
    /// string, which Aspire writes for containers and executables but not projects: without it the services'
    /// <c>{kafka.connectionString}</c> would not resolve in a deployment.
    /// </summary>
    private static async Task WriteManifestAsync(ManifestPublishingContext context, EmbeddedKafkaResource resource)
    {
        if (!resource.TryGetLastAnnotation<IProjectMetadata>(out var metadata))
        {
            throw new DistributedApplicationException($"Project metadata was not found for resource '{resource.Name}'.");
        }

        context.Writer.WriteString("type", "project.v0");
        context.Writer.WriteString("path", context.GetManifestRelativePath(metadata.ProjectPath));
        context.WriteConnectionString(resource);
        await context.WriteCommandLineArgumentsAsync(resource);
        await context.WriteEnvironmentVariablesAsync(resource);
        context.WriteBindings(resource);
    }

    /// <summary>A cluster id as Kafka makes them (<c>kafka-storage random-uuid</c>): a UUID in URL-safe base64, 22 characters.</summary>
    private static string NewClusterId() =>
        Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
