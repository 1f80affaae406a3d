using Microsoft.Extensions.Configuration;

namespace SensorAspire.AppHost;

/// <summary>
/// The <c>kafka</c> resource and its two settings, <c>Kafka:Port</c> and <c>Kafka:DataDirectory</c>. Both variants are
/// returned as a connection-string resource: the embedded broker is also a project, and as such <c>WithReference</c>
/// would otherwise inject service-discovery variables instead of <c>ConnectionStrings__kafka</c>.
/// </summary>
internal static class SensorKafka
{
    /// <summary>Host port of the broker; 9092 is where the tutorial's producer looks.</summary>
    public const string PortKey = "Kafka:Port";

    /// <summary>Where the broker keeps topics and offsets across runs, relative to the AppHost project; unset: memory only.</summary>
    public const string DataDirectoryKey = "Kafka:DataDirectory";

    private const int DefaultPort = 9092;

#if KAFKA_CONTAINER
    /// <summary>The confluent-local container with Kafka UI, and a Docker Compose environment for <c>aspire publish</c>.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddSensorKafka(this IDistributedApplicationBuilder builder, string name)
    {
        builder.AddDockerComposeEnvironment("compose");
        var kafka = builder.AddKafka(name, Port(builder)).WithKafkaUI();
        return DataDirectory(builder) is { } dataDirectory ? kafka.WithDataBindMount(dataDirectory) : kafka;
    }
#else
    /// <summary>Our broker (src/SensorAspire.EmbeddedKafka): no Docker needed.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddSensorKafka(this IDistributedApplicationBuilder builder, string name)
    {
        var kafka = builder.AddEmbeddedKafka(name, Port(builder));
        return DataDirectory(builder) is { } dataDirectory ? kafka.WithDataDirectory(dataDirectory) : kafka;
    }
#endif

    private static int Port(IDistributedApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue(PortKey, DefaultPort);
        return port is > 0 and <= 65535
            ? port
            : throw new InvalidOperationException($"{PortKey} must be a TCP port from 1 to 65535; it is {port}.");
    }

    private static string? DataDirectory(IDistributedApplicationBuilder builder) =>
        builder.Configuration[DataDirectoryKey] is { Length: > 0 } path ? Path.GetFullPath(path, builder.AppHostDirectory) : null;
}
