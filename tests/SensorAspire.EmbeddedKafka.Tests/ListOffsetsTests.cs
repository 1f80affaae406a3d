using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

public sealed class ListOffsetsTests(BrokerFixture fixture)
{
    [Fact]
    public async Task OffsetsForTimesFindTheFirstRecordAtOrAfterEachTimestamp()
    {
        var topic = BrokerFixture.UniqueTopic("by-time");
        await fixture.CreateTopicAsync(topic, partitions: 1);
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 100_000;
        var config = fixture.ProducerConfig();
        config.LingerMs = 100;
        using (var producer = new ProducerBuilder<Null, string>(config).Build())
        {
            // One linger window, so several records share a batch and the search must look inside it.
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = "m" + i, Timestamp = new Timestamp(start + i * 1000, TimestampType.CreateTime) });
            }

            Assert.Equal(0, producer.Flush(Wait.DefaultTimeout));
        }

        using var consumer = new ConsumerBuilder<Ignore, string>(fixture.ConsumerConfig()).Build();
        var partition = new TopicPartition(topic, 0);

        var exact = consumer.OffsetsForTimes([new TopicPartitionTimestamp(partition, new Timestamp(start + 4000, TimestampType.CreateTime))], Wait.DefaultTimeout);
        var between = consumer.OffsetsForTimes([new TopicPartitionTimestamp(partition, new Timestamp(start + 6500, TimestampType.CreateTime))], Wait.DefaultTimeout);
        var later = consumer.OffsetsForTimes([new TopicPartitionTimestamp(partition, new Timestamp(start + 60_000, TimestampType.CreateTime))], Wait.DefaultTimeout);
        var watermarks = consumer.QueryWatermarkOffsets(partition, Wait.DefaultTimeout);

        Assert.Equal(4, exact.Single().Offset.Value);
        Assert.Equal(7, between.Single().Offset.Value);
        Assert.Equal(Offset.End, later.Single().Offset);
        Assert.Equal((0L, 10L), (watermarks.Low.Value, watermarks.High.Value));
    }
}
