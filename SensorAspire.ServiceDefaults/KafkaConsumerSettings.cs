using Confluent.Kafka;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Settings of a Kafka consumer registered with <c>AddKafkaConsumer</c>, bound like Aspire.Confluent.Kafka's
/// <c>KafkaConsumerSettings</c>: section <see cref="SectionName"/>, then <c>{SectionName}:{connectionName}</c>,
/// then <c>ConnectionStrings:{connectionName}</c>, then the code delegate.
/// </summary>
public sealed class KafkaConsumerSettings
{
    /// <summary>The configuration section the settings are bound from.</summary>
    public const string SectionName = "Aspire:Confluent:Kafka:Consumer";

    /// <summary>
    /// Bootstrap servers (<c>host:port,...</c>) or <c>BootstrapServers=...;SecurityProtocol=...</c>;
    /// overridden by <c>ConnectionStrings:{connectionName}</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>librdkafka settings (<c>{SectionName}:Config:GroupId</c>, <c>...:Config:AutoOffsetReset</c>, ...).</summary>
    public ConsumerConfig Config { get; } = new();

    /// <summary>Turns off the librdkafka statistics metrics (consumer lag).</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>Turns off the Kafka health check.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>
    /// Turns off the client's spans (<see cref="KafkaTelemetry.StartProcess"/>); the producer's trace context is still
    /// carried on to what the message causes (<see cref="KafkaTelemetry.ContextToContinue"/>).
    /// </summary>
    public bool DisableTracing { get; set; }

    internal void Consolidate()
    {
        KafkaConnectionString.Apply(ConnectionString, Config);
        KafkaClientDefaults.Apply(Config);
        if (!DisableMetrics)
        {
            Config.StatisticsIntervalMs ??= 1000;
        }
    }

    internal void Validate(string connectionName)
    {
        if (string.IsNullOrEmpty(Config.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"No bootstrap servers configured: set ConnectionStrings:{connectionName} " +
                $"or {SectionName}:Config:BootstrapServers.");
        }

        if (string.IsNullOrEmpty(Config.GroupId))
        {
            throw new InvalidOperationException(
                $"No group id configured: set {SectionName}:Config:GroupId " +
                $"(or {SectionName}:{connectionName}:Config:GroupId), or Config.GroupId in code.");
        }
    }
}
