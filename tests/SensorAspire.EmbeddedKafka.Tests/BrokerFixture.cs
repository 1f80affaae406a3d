using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>One in-process broker per test class (start-up is a few milliseconds), with client configs tuned for fast tests.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private EmbeddedKafkaBroker? _broker;

    public EmbeddedKafkaBroker Broker => _broker ?? throw new InvalidOperationException("Broker not started.");

    public string BootstrapServers => Broker.BootstrapServers;

    public async ValueTask InitializeAsync() => _broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions());

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    public ProducerConfig ProducerConfig(CompressionType compression = CompressionType.None) => new()
    {
        BootstrapServers = BootstrapServers,
        CompressionType = compression,
        LingerMs = 1,
        MessageTimeoutMs = 10_000,
        TopicMetadataRefreshIntervalMs = 1000,
    };

    /// <summary>A consumer that is only ever Assign()ed: librdkafka wants a group.id, but it never joins the group.</summary>
    public ConsumerConfig ConsumerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = "assign-only-" + Guid.NewGuid().ToString("N"),
        EnableAutoCommit = false,
        FetchWaitMaxMs = 100,
        EnablePartitionEof = false,
        TopicMetadataRefreshIntervalMs = 1000,
    };

    public AdminClientConfig AdminConfig() => new() { BootstrapServers = BootstrapServers };

    public static string UniqueTopic(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
