using Confluent.Kafka;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Settings of a Kafka producer registered with <c>AddKafkaProducer</c>, bound like Aspire.Confluent.Kafka's
/// <c>KafkaProducerSettings</c>: section <see cref="SectionName"/>, then <c>{SectionName}:{connectionName}</c>,
/// then <c>ConnectionStrings:{connectionName}</c>, then the code delegate.
/// </summary>
public sealed class KafkaProducerSettings
{
    /// <summary>The configuration section the settings are bound from.</summary>
    public const string SectionName = "Aspire:Confluent:Kafka:Producer";

    /// <summary>
    /// Bootstrap servers (<c>host:port,...</c>) or <c>BootstrapServers=...;SecurityProtocol=...</c>;
    /// overridden by <c>ConnectionStrings:{connectionName}</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>librdkafka settings (<c>{SectionName}:Config:Acks</c>, <c>...:Config:LingerMs</c>, ...).</summary>
    public ProducerConfig Config { get; } = new();

    /// <summary>Turns off the librdkafka statistics metrics.</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>Turns off the Kafka health check.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>
    /// Turns off the client's spans (<see cref="KafkaTelemetry.StartSend"/>); the trace context is still written into
    /// message headers, so traces continue downstream (as in Aspire.Confluent.Kafka).
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
    }
}
