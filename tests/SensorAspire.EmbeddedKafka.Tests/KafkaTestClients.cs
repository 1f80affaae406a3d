using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>Small helpers over the real Confluent.Kafka clients, every wait bounded.</summary>
internal static class KafkaTestClients
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task CreateTopicAsync(BrokerFixture fixture, string topic, int partitions, Dictionary<string, string>? configs = null)
    {
        using var admin = new AdminClientBuilder(fixture.AdminConfig()).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1, Configs = configs }])
            .WaitAsync(Timeout, TestContext.Current.CancellationToken);
    }

    /// <summary>Reads <paramref name="count"/> messages from the given partitions starting at offset 0.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> Consume(BrokerFixture fixture, string topic, int partitions, int count)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(fixture.ConsumerConfig()).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + Timeout;
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                results.Add(result);
            }
        }

        consumer.Close();
        Assert.Equal(count, results.Count);
        return results;
    }
}
