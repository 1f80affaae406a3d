using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

public sealed class IdempotentProducerTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task IdempotentProducerWritesEveryMessageOnceInOrder()
    {
        var topic = BrokerFixture.UniqueTopic("idempotent");
        await KafkaTestClients.CreateTopicAsync(fixture, topic, partitions: 2);
        var requests = new List<KafkaRequestInfo>();
        fixture.Broker.RequestObserver = info =>
        {
            lock (requests)
            {
                requests.Add(info);
            }
        };

        using (var producer = new ProducerBuilder<string, string>(IdempotentConfig()).Build())
        {
            for (var i = 0; i < 500; i++)
            {
                producer.Produce(topic, new Message<string, string> { Key = "k" + (i % 7), Value = i.ToString() });
            }

            Assert.Equal(0, producer.Flush(KafkaTestClients.Timeout));
        }

        fixture.Broker.RequestObserver = null;
        var received = KafkaTestClients.Consume(fixture, topic, partitions: 2, count: 500);

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

    private ProducerConfig IdempotentConfig()
    {
        var config = fixture.ProducerConfig();
        config.EnableIdempotence = true;
        config.LingerMs = 5;
        return config;
    }
}
