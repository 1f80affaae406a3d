using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Tests.Groups;

/// <summary>Topics, messages and consumer-protocol bytes for the consumer-group tests (Confluent.Kafka, kcat and raw requests alike).</summary>
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

    /// <summary>A consumer's JoinGroup metadata (ConsumerProtocolSubscription v0, with its int16 version prefix).</summary>
    public static byte[] Subscription(string topic)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt16(0);
        new ConsumerProtocolSubscription { Topics = [topic] }.Write(writer, 0);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A leader's assignment for one member (ConsumerProtocolAssignment v0, with its int16 version prefix).</summary>
    public static byte[] Assignment(string topic, params int[] partitions)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt16(0);
        new ConsumerProtocolAssignment { AssignedPartitions = [new() { Topic = topic, Partitions = [.. partitions] }] }.Write(writer, 0);
        return writer.WrittenSpan.ToArray();
    }
}
