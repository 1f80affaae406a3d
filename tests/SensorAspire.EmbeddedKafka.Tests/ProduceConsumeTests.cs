using System.Text;
using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

public sealed class ProduceConsumeTests(BrokerFixture fixture)
{
    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task MessagesRoundTripWithKeysNullsAndHeadersForEveryCodec(CompressionType compression)
    {
        var topic = BrokerFixture.UniqueTopic("roundtrip-" + compression);
        await fixture.CreateTopicAsync(topic, partitions: 1);
        var sent = new List<Message<byte[]?, byte[]?>>
        {
            new() { Key = "k1"u8.ToArray(), Value = "v1"u8.ToArray(), Headers = new Headers { { "h1", "x"u8.ToArray() }, { "h2", null } } },
            new() { Key = null, Value = "no key"u8.ToArray() },
            new() { Key = "tombstone"u8.ToArray(), Value = null },
            new() { Key = "big"u8.ToArray(), Value = Encoding.UTF8.GetBytes(new string('z', 20_000)) },
        };

        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(fixture.ProducerConfig(compression)).Build())
        {
            foreach (var message in sent)
            {
                await producer.ProduceAsync(topic, message, TestContext.Current.CancellationToken).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
            }
        }

        var received = KafkaTestClients.Consume(fixture, topic, partitions: 1, count: sent.Count);

        for (var i = 0; i < sent.Count; i++)
        {
            Assert.Equal(i, received[i].Offset.Value);
            Assert.Equal(sent[i].Key, received[i].Message.Key);
            Assert.Equal(sent[i].Value, received[i].Message.Value);
        }

        var headers = received[0].Message.Headers;
        Assert.Equal(2, headers.Count);
        Assert.Equal("x"u8.ToArray(), headers.GetLastBytes("h1"));
        Assert.Null(headers[1].GetValueBytes());
    }

    [Fact]
    public async Task SameKeyAlwaysLandsOnTheSamePartition()
    {
        var topic = BrokerFixture.UniqueTopic("keys");
        await fixture.CreateTopicAsync(topic, partitions: 6);
        var partitionsByKey = new Dictionary<string, HashSet<int>>();

        using (var producer = new ProducerBuilder<string, string>(fixture.ProducerConfig()).Build())
        {
            for (var round = 0; round < 5; round++)
            {
                for (var k = 0; k < 12; k++)
                {
                    var key = "sensor-" + k;
                    var result = await producer.ProduceAsync(topic, new Message<string, string> { Key = key, Value = round.ToString() }, TestContext.Current.CancellationToken)
                        .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
                    partitionsByKey.TryAdd(key, []);
                    partitionsByKey[key].Add(result.Partition.Value);
                }
            }
        }

        var received = KafkaTestClients.Consume(fixture, topic, partitions: 6, count: 60);

        Assert.All(partitionsByKey.Values, partitions => Assert.Single(partitions));
        Assert.True(partitionsByKey.Values.Select(p => p.Single()).Distinct().Count() > 1, "12 keys over 6 partitions should use several partitions");
        Assert.All(received, r => Assert.Equal(partitionsByKey[Encoding.UTF8.GetString(r.Message.Key!)].Single(), r.Partition.Value));
        foreach (var group in received.GroupBy(r => Encoding.UTF8.GetString(r.Message.Key!)))
        {
            Assert.Equal(["0", "1", "2", "3", "4"], group.Select(r => Encoding.UTF8.GetString(r.Message.Value!)));
        }
    }

    [Fact]
    public async Task ConsumerStartingInsideABatchGetsTheRemainingRecords()
    {
        var topic = BrokerFixture.UniqueTopic("mid-batch");
        await fixture.CreateTopicAsync(topic, partitions: 1);
        using (var producer = new ProducerBuilder<Null, string>(ProducerWith(fixture, linger: 50)).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = "m" + i });
            }

            Assert.Equal(0, producer.Flush(Wait.DefaultTimeout));
        }

        using var consumer = new ConsumerBuilder<Ignore, string>(fixture.ConsumerConfig()).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, 7));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        while (values.Count < 3 && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                values.Add(result.Message.Value);
            }
        }

        Assert.Equal(["m7", "m8", "m9"], values);
    }

    [Fact]
    public async Task ConsumerWaitingAtTheEndReceivesANewMessage()
    {
        var topic = BrokerFixture.UniqueTopic("tail");
        await fixture.CreateTopicAsync(topic, partitions: 1);
        using var consumer = new ConsumerBuilder<Ignore, string>(ConsumerWithLongPoll(fixture)).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var eof = consumer.Consume(Wait.DefaultTimeout);
        Assert.True(eof?.IsPartitionEOF, "an empty partition reports end of partition");

        using var producer = new ProducerBuilder<Null, string>(fixture.ProducerConfig()).Build();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = "late" }, TestContext.Current.CancellationToken)
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var result = consumer.Consume(Wait.DefaultTimeout);

        Assert.Equal("late", result?.Message?.Value);
    }

    private static ProducerConfig ProducerWith(BrokerFixture fixture, int linger)
    {
        var config = fixture.ProducerConfig();
        config.LingerMs = linger;
        return config;
    }

    /// <summary>A long fetch wait, so the message can only arrive in time if the broker wakes the parked Fetch on append.</summary>
    private static ConsumerConfig ConsumerWithLongPoll(BrokerFixture fixture)
    {
        var config = fixture.ConsumerConfig();
        config.FetchWaitMaxMs = 5000;
        config.EnablePartitionEof = true;
        return config;
    }
}
