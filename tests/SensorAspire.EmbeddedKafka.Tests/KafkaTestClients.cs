using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>Small helpers over the real Confluent.Kafka clients, every wait bounded.</summary>
internal static class KafkaTestClients
{
    /// <summary>Reads <paramref name="count"/> messages from the given partitions starting at offset 0.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> Consume(BrokerFixture fixture, string topic, int partitions, int count)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(fixture.ConsumerConfig()).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<byte[]?, byte[]?>>();
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
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
