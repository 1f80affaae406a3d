using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Tests.Clients;
using SensorAspire.EmbeddedKafka.Tests.Network;

namespace SensorAspire.EmbeddedKafka.Tests.Cluster;

public sealed class AutoCreateTests
{
    [Fact]
    public async Task MetadataDoesNotCreateTopicsWhenAutoCreateIsOff()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { AutoCreateTopics = false }, TestContext.Current.CancellationToken);
        var topic = BrokerFixture.UniqueTopic("no-auto");

        var (exitCode, output, _) = await Kcat.RunAsync("", "-b", broker.BootstrapServers, "-L", "-t", topic, "-J", "-m", "5");
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var all = admin.GetMetadata(Wait.DefaultTimeout);

        Assert.Equal(0, exitCode);
        Assert.Contains("Broker: Unknown topic or partition", output);
        Assert.DoesNotContain(all.Topics, t => t.Topic == topic);
    }

    [Fact]
    public async Task ProducerAutoCreatesATopicWithTheDefaultPartitionCount()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { DefaultPartitions = 4 }, TestContext.Current.CancellationToken);
        var topic = BrokerFixture.UniqueTopic("auto");
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();

        var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "first" }, TestContext.Current.CancellationToken)
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, Wait.DefaultTimeout);

        Assert.Equal(PersistenceStatus.Persisted, result.Status);
        Assert.Equal(4, metadata.Topics.Single().Partitions.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(12)]
    public async Task MetadataNeverAutoCreatesNamesWithKafkasInternalPrefix(short version)
    {
        // A broker of its own, so the listing of every topic below sees only what this test asked for.
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions(), TestContext.Current.CancellationToken);
        await using var client = await RawKafkaClient.ConnectAsync(broker);
        string[] names = ["__consumer_offsets", "__transaction_state", "__burrow-probe", "ordinary"];

        // Metadata v1-3 always allow auto-creation; v4+ ask for it explicitly.
        var asked = await client.RoundTripAsync<MetadataResponse>(ApiMessageCatalog.Metadata, version, new MetadataRequest
        {
            Topics = [.. names.Select(name => new MetadataRequest.MetadataRequestTopic { Name = name })],
            AllowAutoTopicCreation = true,
        });
        var all = await client.RoundTripAsync<MetadataResponse>(ApiMessageCatalog.Metadata, version, new MetadataRequest { Topics = null });

        Assert.Equal(
            [
                ("__consumer_offsets", KafkaErrorCode.UnknownTopicOrPartition, true),
                ("__transaction_state", KafkaErrorCode.UnknownTopicOrPartition, true),
                ("__burrow-probe", KafkaErrorCode.UnknownTopicOrPartition, false),
                ("ordinary", KafkaErrorCode.None, false),
            ],
            asked.Topics.Select(topic => (topic.Name, topic.ErrorCode, topic.IsInternal)));
        Assert.Equal(["ordinary"], all.Topics.Select(topic => topic.Name));
    }

    [Fact]
    public async Task CreateTopicsStillCreatesANameWithTheInternalPrefix()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions(), TestContext.Current.CancellationToken);
        await using var client = await RawKafkaClient.ConnectAsync(broker);

        // Kafka lets an admin create such a topic on purpose; only lookups never create it.
        var created = await client.RoundTripAsync<CreateTopicsResponse>(ApiMessageCatalog.CreateTopics, 4, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = "__made-on-purpose", NumPartitions = 1, ReplicationFactor = 1 }],
        });
        var metadata = await client.RoundTripAsync<MetadataResponse>(ApiMessageCatalog.Metadata, 12, new MetadataRequest
        {
            Topics = [new MetadataRequest.MetadataRequestTopic { Name = "__made-on-purpose" }],
        });

        Assert.Equal(KafkaErrorCode.None, Assert.Single(created.Topics).ErrorCode);
        Assert.Equal((KafkaErrorCode.None, false), (Assert.Single(metadata.Topics).ErrorCode, metadata.Topics[0].IsInternal));
    }
}
