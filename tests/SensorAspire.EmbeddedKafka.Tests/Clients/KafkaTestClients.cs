using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests.Clients;

/// <summary>Small helpers over the real Confluent.Kafka clients, every wait bounded.</summary>
internal static class KafkaTestClients
{
    /// <summary>Reads <paramref name="count"/> messages from the given partitions starting at offset 0.</summary>
    public static List<ConsumeResult<byte[]?, byte[]?>> Consume(BrokerFixture fixture, string topic, int partitions, int count)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(fixture.ConsumerConfig()).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = ConsumeUntil(consumer, received => received.Count >= count, $"{count} messages from {topic}");
        consumer.Close();
        Assert.Equal(count, results.Count);
        return results;
    }

    /// <summary>Consumes with an assigned or subscribed <paramref name="consumer"/> until <paramref name="done"/> holds for what arrived.</summary>
    public static List<ConsumeResult<TKey, TValue>> ConsumeUntil<TKey, TValue>(
        IConsumer<TKey, TValue> consumer, Func<List<ConsumeResult<TKey, TValue>>, bool> done, string what)
    {
        var results = new List<ConsumeResult<TKey, TValue>>();
        Wait.Drive(
            () =>
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
                {
                    results.Add(result);
                }

                return done(results);
            },
            what);
        return results;
    }
}
