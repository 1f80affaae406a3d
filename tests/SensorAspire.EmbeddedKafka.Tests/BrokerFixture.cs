using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>One in-process broker per test class (start-up is a few milliseconds), with client configs tuned for fast tests.</summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private EmbeddedKafkaBroker? _broker;
    private EmbeddedKafkaOptions _options = new();

    public EmbeddedKafkaBroker Broker => _broker ?? throw new InvalidOperationException("Broker not started.");

    public string BootstrapServers => Broker.BootstrapServers;

    public async ValueTask InitializeAsync() => _broker = await EmbeddedKafkaBroker.StartAsync(_options);

    /// <summary>A fixture for one test that needs its own options (limits, a logger).</summary>
    public static async Task<BrokerFixture> StartAsync(EmbeddedKafkaOptions options)
    {
        var fixture = new BrokerFixture { _options = options };
        await fixture.InitializeAsync();
        return fixture;
    }

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
