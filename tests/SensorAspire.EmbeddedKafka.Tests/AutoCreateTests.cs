using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

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
}
