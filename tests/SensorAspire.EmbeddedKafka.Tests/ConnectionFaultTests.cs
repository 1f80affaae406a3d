using System.Globalization;
using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>An idempotent producer whose connection is cut mid-stream (by a proxy the test controls) loses and duplicates nothing.</summary>
public sealed class ConnectionFaultTests
{
    private const int Partitions = 3;
    private const int MessageCount = 3000;

    [Fact]
    public async Task IdempotentProducerCutMidStreamWritesEveryMessageExactlyOnceInOrder()
    {
        // Produce requests 3, 8, 14 and 20 (over all connections) are cut in each way a network can fail; 8 and 20
        // reach the broker, which appends them, but their responses are lost, so the producer retries batches the broker already holds.
        await using var proxy = new FaultyProxy(new()
        {
            [3] = ProxyCut.BeforeRequest,
            [8] = ProxyCut.AfterRequestDropResponse,
            [14] = ProxyCut.MidRequest,
            [20] = ProxyCut.AfterRequestDropResponse,
        });
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { AdvertisedPort = proxy.Port }, TestContext.Current.CancellationToken);
        proxy.Start(broker.Port);
        Assert.Equal($"127.0.0.1:{proxy.Port}", broker.BootstrapServers);
        var topic = BrokerFixture.UniqueTopic("cut");
        await CreateTopicAsync(broker, topic);

        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = new List<string>();
        var remaining = MessageCount;
        using (var producer = new ProducerBuilder<Null, string>(ProducerConfig(broker)).Build())
        {
            for (var i = 0; i < MessageCount; i++)
            {
                producer.Produce(new TopicPartition(topic, i % Partitions), new Message<Null, string> { Value = i.ToString(CultureInfo.InvariantCulture) }, report =>
                {
                    if (report.Error.IsError)
                    {
                        lock (failures)
                        {
                            failures.Add(report.Error.ToString());
                        }
                    }

                    if (Interlocked.Decrement(ref remaining) == 0)
                    {
                        delivered.SetResult();
                    }
                });

                // Small batches, many Produce requests: the cuts land in the middle of the stream.
                if (i % 100 == 99)
                {
                    producer.Flush(Wait.DefaultTimeout);
                }
            }

            await delivered.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        }

        Assert.Empty(failures);
        Assert.Equal(4, proxy.CutsDone);
        Assert.True(proxy.Connections > 4, $"the producer reconnected after each cut ({proxy.Connections} connections)");

        // The interesting case happened: batches the broker had appended were sent again, and stored once (below).
        Assert.NotEmpty(proxy.Unacknowledged);
        foreach (var batch in proxy.Unacknowledged)
        {
            Assert.True(proxy.Forwarded.Count(b => b == batch) >= 2, $"{batch} was not retried");
        }

        var received = ConsumeAll(broker, topic);
        foreach (var partition in Enumerable.Range(0, Partitions))
        {
            var expected = Enumerable.Range(0, MessageCount).Where(i => i % Partitions == partition).ToList();
            Assert.Equal(expected, received.Where(r => r.Partition == partition).Select(r => r.Value).ToList());
        }
    }

    private static ProducerConfig ProducerConfig(EmbeddedKafkaBroker broker) => new()
    {
        BootstrapServers = broker.BootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
        LingerMs = 2,
        BatchNumMessages = 20,
        MessageTimeoutMs = 60_000,
        ReconnectBackoffMs = 10,
        ReconnectBackoffMaxMs = 100,
        RetryBackoffMs = 10,
        SocketTimeoutMs = 10_000,
    };

    private static async Task CreateTopicAsync(EmbeddedKafkaBroker broker, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }])
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
    }

    /// <summary>Every message in the topic, checked against the partitions' end offsets so a duplicate cannot hide.</summary>
    private static List<(int Partition, int Value)> ConsumeAll(EmbeddedKafkaBroker broker, string topic)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "assign-only-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            FetchWaitMaxMs = 100,
        };
        using var consumer = new ConsumerBuilder<Ignore, string>(config).Build();
        var stored = Enumerable.Range(0, Partitions)
            .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), Wait.DefaultTimeout).High.Value);
        Assert.Equal(MessageCount, stored);

        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<(int, int)>();
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        while (results.Count < MessageCount && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                results.Add((result.Partition.Value, int.Parse(result.Message.Value, CultureInfo.InvariantCulture)));
            }
        }

        consumer.Close();
        return results;
    }
}
