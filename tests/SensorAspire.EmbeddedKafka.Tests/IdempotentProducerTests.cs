using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

public sealed class IdempotentProducerTests
{
    [Fact]
    public async Task IdempotentProducerWritesEveryMessageOnceInOrder()
    {
        // The request observer sees every request the broker gets: a broker of its own keeps other tests' out of it.
        await using var own = await BrokerFixture.StartAsync(new EmbeddedKafkaOptions());
        var topic = BrokerFixture.UniqueTopic("idempotent");
        await own.CreateTopicAsync(topic, partitions: 2);
        var requests = new List<KafkaRequestInfo>();
        own.Broker.RequestObserver = info =>
        {
            lock (requests)
            {
                requests.Add(info);
            }
        };

        using (var producer = new ProducerBuilder<string, string>(IdempotentConfig(own)).Build())
        {
            for (var i = 0; i < 500; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = "k" + (i % 7), Value = i.ToString() });
            }

            Assert.Equal(0, producer.Flush(Wait.DefaultTimeout));
        }

        own.Broker.RequestObserver = null;
        var received = KafkaTestClients.Consume(own, topic, partitions: 2, count: 500);

        lock (requests)
        {
            Assert.Contains(requests, r => r.ApiKey == 22);
        }

        Assert.Equal(500, received.Select(r => System.Text.Encoding.UTF8.GetString(r.Message.Value!)).Distinct().Count());
        foreach (var partition in received.GroupBy(r => r.Partition.Value))
        {
            var values = partition.Select(r => int.Parse(System.Text.Encoding.UTF8.GetString(r.Message.Value!))).ToList();
            Assert.Equal(values.Order(), values);
        }
    }

    private static ProducerConfig IdempotentConfig(BrokerFixture broker)
    {
        var config = broker.ProducerConfig();
        config.EnableIdempotence = true;
        config.LingerMs = 5;
        return config;
    }
}
