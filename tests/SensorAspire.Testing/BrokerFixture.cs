using Confluent.Kafka;
using Confluent.Kafka.Admin;
using SensorAspire.EmbeddedKafka;

namespace SensorAspire.Testing;

/// <summary>
/// The in-process broker every test project uses. Register it once per test assembly
/// (<c>[assembly: AssemblyFixture(typeof(BrokerFixture))]</c>) and isolate tests by construction: each test makes its own
/// topics and groups with <see cref="UniqueTopic"/>. A test that needs other broker options, or watches broker-wide state
/// (<see cref="EmbeddedKafkaBroker.RequestObserver"/>, connection counts), starts its own with <see cref="StartAsync"/>:
/// a broker starts in milliseconds.
/// </summary>
public sealed class BrokerFixture : IAsyncLifetime
{
    private readonly EmbeddedKafkaOptions _options;
    private EmbeddedKafkaBroker? _broker;

    public BrokerFixture()
        : this(new EmbeddedKafkaOptions())
    {
    }

    private BrokerFixture(EmbeddedKafkaOptions options) => _options = options;

    public EmbeddedKafkaBroker Broker => _broker ?? throw new InvalidOperationException("The broker has not started.");

    public string BootstrapServers => Broker.BootstrapServers;

    /// <summary>A broker of the test's own, with <paramref name="options"/>; the test disposes it.</summary>
    public static async Task<BrokerFixture> StartAsync(EmbeddedKafkaOptions options)
    {
        var fixture = new BrokerFixture(options);
        await fixture.InitializeAsync();
        return fixture;
    }

    public async ValueTask InitializeAsync()
        => _broker = await EmbeddedKafkaBroker.StartAsync(_options, TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    /// <summary>A topic (or group) name no other test uses, so tests sharing the broker never see each other's data.</summary>
    public static string UniqueTopic(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Creates <paramref name="topic"/> through the admin API, as a service does.</summary>
    public async Task CreateTopicAsync(string topic, int partitions, Dictionary<string, string>? configs = null)
    {
        using var admin = new AdminClientBuilder(AdminConfig()).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1, Configs = configs }])
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
    }

    // Short linger and refresh intervals: the defaults are tuned for throughput and would make each test wait seconds.
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
        GroupId = UniqueTopic("assign-only"),
        EnableAutoCommit = false,
        FetchWaitMaxMs = 100,
        EnablePartitionEof = false,
        TopicMetadataRefreshIntervalMs = 1000,
    };

    public AdminClientConfig AdminConfig() => new() { BootstrapServers = BootstrapServers };
}
