using Microsoft.Extensions.Configuration;

namespace SensorAspire.AppHost;

/// <summary>
/// The <c>kafka</c> resource and its settings, <c>Kafka:Port</c>, <c>Kafka:DataDirectory</c> and <c>Kafka:MemoryOnly</c>.
/// Both variants are returned as a connection-string resource: the embedded broker is also a project, and as such
/// <c>WithReference</c> would otherwise inject service-discovery variables instead of <c>ConnectionStrings__kafka</c>.
/// </summary>
internal static class SensorKafka
{
    /// <summary>Host port of the broker; 9092 is where the tutorial's producer looks.</summary>
    public const string PortKey = "Kafka:Port";

    /// <summary>
    /// Where the broker keeps topics and offsets across runs, relative to the AppHost project. Unset: a directory for
    /// the run, which outlives restarts and crashes of the <c>kafka</c> resource, as a real broker's disk does.
    /// </summary>
    public const string DataDirectoryKey = "Kafka:DataDirectory";

    /// <summary>True: the broker keeps nothing on disk, and a restart of <c>kafka</c> starts an empty cluster.</summary>
    public const string MemoryOnlyKey = "Kafka:MemoryOnly";

    private const int DefaultPort = 9092;

#if KAFKA_CONTAINER
    /// <summary>The confluent-local container with Kafka UI, and a Docker Compose environment for <c>aspire publish</c>.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddSensorKafka(this IDistributedApplicationBuilder builder, string name)
    {
        builder.AddDockerComposeEnvironment("compose");
        var kafka = builder.AddKafka(name, Port(builder)).WithKafkaUI();
        return Storage(builder) is KafkaStorage.Kept ? kafka.WithDataBindMount(DataDirectory(builder)!) : kafka;
    }
#else
    /// <summary>Our broker (src/SensorAspire.EmbeddedKafka): no Docker needed.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddSensorKafka(this IDistributedApplicationBuilder builder, string name)
    {
        var kafka = builder.AddEmbeddedKafka(name, Port(builder));
        if (!builder.ExecutionContext.IsRunMode)
        {
            return kafka; // deployed: the container's volume (EmbeddedKafkaResource.ContainerDataDirectory)
        }

        return Storage(builder) switch
        {
            KafkaStorage.Kept => kafka.WithDataDirectory(DataDirectory(builder)!),
            KafkaStorage.Run => kafka.WithDataDirectory(RunDirectory.Reserve(builder, "sensoraspire-kafka")),
            _ => kafka,
        };
    }
#endif

    private enum KafkaStorage
    {
        /// <summary>A directory for this run, deleted when the AppHost stops (the default).</summary>
        Run,

        /// <summary><c>Kafka:DataDirectory</c>, kept across runs.</summary>
        Kept,

        /// <summary><c>Kafka:MemoryOnly</c>: nothing on disk.</summary>
        Memory,
    }

    private static int Port(IDistributedApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue(PortKey, DefaultPort);
        return port is > 0 and <= 65535
            ? port
            : throw new InvalidOperationException($"{PortKey} must be a TCP port from 1 to 65535; it is {port}.");
    }

    private static KafkaStorage Storage(IDistributedApplicationBuilder builder)
    {
        var memoryOnly = builder.Configuration.GetValue(MemoryOnlyKey, false);
        return (memoryOnly, DataDirectory(builder)) switch
        {
            (true, { } directory) => throw new InvalidOperationException(
                $"{MemoryOnlyKey} is true and {DataDirectoryKey} is '{directory}': set one of them, not both."),
            (true, null) => KafkaStorage.Memory,
            (false, { }) => KafkaStorage.Kept,
            (false, null) => KafkaStorage.Run,
        };
    }

    private static string? DataDirectory(IDistributedApplicationBuilder builder) =>
        builder.Configuration[DataDirectoryKey] is { Length: > 0 } path ? Path.GetFullPath(path, builder.AppHostDirectory) : null;
}
