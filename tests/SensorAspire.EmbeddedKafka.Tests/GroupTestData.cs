using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>Topics and messages for the consumer-group tests (Confluent.Kafka and kcat alike).</summary>
internal static class GroupTestData
{
    /// <summary>Creates a uniquely named topic; tests use its name as their group id too.</summary>
    public static async Task<string> CreateTopicAsync(BrokerFixture fixture, string prefix, int partitions)
    {
        var topic = BrokerFixture.UniqueTopic(prefix);
        await fixture.CreateTopicAsync(topic, partitions);
        return topic;
    }

    /// <summary>Produces <paramref name="count"/> messages keyed and valued "{prefix}-{i}", spread over the partitions by key.</summary>
    public static async Task<List<string>> ProduceAsync(BrokerFixture fixture, string topic, string prefix, int count)
    {
        using var producer = new ProducerBuilder<string, string>(fixture.ProducerConfig()).Build();
        var values = Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D4}").ToList();
        await Task.WhenAll(values.Select(value => producer.ProduceAsync(topic, new Message<string, string> { Key = value, Value = value })))
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        return values;
    }

    /// <summary>The next message, or a failed assertion if none arrives within <see cref="Wait.DefaultTimeout"/>.</summary>
    public static ConsumeResult<TKey, TValue> ConsumeOne<TKey, TValue>(IConsumer<TKey, TValue> consumer) =>
        consumer.Consume(Wait.DefaultTimeout) ?? throw new Xunit.Sdk.XunitException("No message within the timeout.");
}
