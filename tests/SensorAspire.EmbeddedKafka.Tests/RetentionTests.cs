using Confluent.Kafka;
using Confluent.Kafka.Admin;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>Retention by size and by time drops whole segments from the head, in memory and on disk alike.</summary>
public sealed class RetentionTests
{
    private static readonly TimeSpan s_timeout = Wait.DefaultTimeout;

    [Fact]
    public void SizeRetentionDropsOldSegmentsOnRollSoTheLogStaysWithinRetentionBytes()
    {
        var log = new PartitionLog("t", 0, PersistenceTests.Config(segmentBytes: 500, retentionBytes: 1000));
        var batch = KeyedBatches.Single("key", new string('x', 40));
        for (var i = 0; i < 200; i++)
        {
            log.Append(batch);
        }

        var beforeStart = log.Read(0, int.MaxValue, atLeastOne: true, []);
        var records = KeyedBatches.ReadAll(log);

        Assert.InRange(log.Size, 1000 - 500, 1000 + 500);
        Assert.True(log.LogStartOffset > 0);
        Assert.Equal(1, beforeStart.Error); // OFFSET_OUT_OF_RANGE below the log start
        Assert.Equal(log.LogStartOffset, records[0].Offset);
        Assert.Equal(199, records[^1].Offset);
        Assert.Equal(200, log.HighWatermark);
    }

    [Fact]
    public void TimeRetentionDropsSegmentsWhoseNewestRecordIsOlderThanRetentionMs()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var log = new PartitionLog("t", 0, PersistenceTests.Config(segmentBytes: 1, retentionMs: 60_000));
        for (var i = 0; i < 10; i++)
        {
            log.Append(KeyedBatches.Single("k", "old" + i, timestamp: now - 120_000));
        }

        for (var i = 0; i < 5; i++)
        {
            log.Append(KeyedBatches.Single("k", "new" + i, timestamp: now));
        }

        var dropped = log.ApplyRetention(now);

        Assert.True(dropped > 0);
        Assert.Equal(10, log.LogStartOffset);
        Assert.Equal(["new0", "new1", "new2", "new3", "new4"], KeyedBatches.ReadAll(log).Select(r => r.Value));
    }

    [Fact]
    public void WhenEverythingExpiresTheLogIsEmptyAndStartsAtItsEndOffsetAlsoAfterARestart()
    {
        using var directory = new TemporaryDirectory();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var config = PersistenceTests.Config(segmentBytes: 100, retentionMs: 60_000);
        var log = new PartitionLog("t", 0, config, directory.Path);
        for (var i = 0; i < 5; i++)
        {
            log.Append(KeyedBatches.Single("k", "old" + i, timestamp: now - 120_000));
        }

        log.ApplyRetention(now);
        var afterRetention = (log.LogStartOffset, log.HighWatermark);
        log.Close();
        var recovered = new PartitionLog("t", 0, config, directory.Path);
        var appended = recovered.Append(KeyedBatches.Single("k", "new", timestamp: now));
        recovered.Close();

        Assert.Equal((5L, 5L), afterRetention);
        Assert.Equal(((short)0, 5L), appended);
        Assert.Equal(5, recovered.LogStartOffset);
        Assert.Single(Directory.GetFiles(directory.Path, "*.log"));
    }

    [Fact]
    public async Task BrokerDefaultRetentionBytesMovesTheEarliestOffsetAndAFetchBelowItIsOutOfRange()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(
            new EmbeddedKafkaOptions { SegmentBytes = 16_384, RetentionBytes = 32_768 }, TestContext.Current.CancellationToken);
        var topic = BrokerFixture.UniqueTopic("retention-bytes");
        await PersistenceTests.CreateTopicAsync(broker, topic, partitions: 1);
        // Batches of 50 (one batch never spans segments, so retention needs several).
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 5, BatchNumMessages = 50 }).Build())
        {
            for (var i = 0; i < 500; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = new string('v', 100) });
            }

            Assert.Equal(0, producer.Flush(s_timeout));
        }

        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "assign-only-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            FetchWaitMaxMs = 100,
            AutoOffsetReset = AutoOffsetReset.Error,
        };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), s_timeout);
        consumer.Assign(new TopicPartitionOffset(topic, 0, 0));
        var error = Assert.Throws<ConsumeException>(() => consumer.Consume(s_timeout));
        consumer.Close();
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }])
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);

        Assert.True(watermarks.Low.Value > 0);
        Assert.Equal(500, watermarks.High.Value);
        Assert.InRange(broker.State.Topics.Find(topic)!.Partitions[0].Size, 32_768 - 16_384, 32_768 + 16_384);
        Assert.Equal(ErrorCode.Local_AutoOffsetReset, error.Error.Code);
        Assert.Equal("32768", described.Single().Entries["retention.bytes"].Value);
    }

    [Fact]
    public async Task TopicRetentionMsDropsExpiredDataFromMemoryAndDiskWhenTheCleanerRuns()
    {
        using var directory = new TemporaryDirectory();
        await using var broker = await PersistenceTests.StartAsync(directory, options => options.SegmentBytes = 1024);
        var topic = BrokerFixture.UniqueTopic("retention-ms");
        await PersistenceTests.CreateTopicAsync(broker, topic, partitions: 1, new() { ["retention.ms"] = "60000" });
        var old = DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds();
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 5 }).Build())
        {
            for (var i = 0; i < 100; i++)
            {
                producer.Produce(topic, new Message<Null, string> { Value = new string('o', 50), Timestamp = new Timestamp(old, TimestampType.CreateTime) });
            }

            Assert.Equal(0, producer.Flush(s_timeout));
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "fresh" }, TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        }

        var partitionDirectory = Directory.GetDirectories(Directory.GetDirectories(Path.Combine(directory.Path, "topics")).Single()).Single();
        var filesBefore = Directory.GetFiles(partitionDirectory, "*.log").Length;
        var dropped = broker.CleanLogsNow();
        var filesAfter = Directory.GetFiles(partitionDirectory, "*.log").Length;
        var remaining = KeyedBatches.ReadAll(broker.State.Topics.Find(topic)!.Partitions[0]);

        Assert.True(dropped > 0);
        Assert.True(filesBefore > filesAfter);
        Assert.Equal("fresh", remaining[^1].Value);
        Assert.True(remaining[0].Offset > 0);
    }

    [Fact]
    public async Task CreateTopicsRejectsAnInvalidRetentionValue()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions(), TestContext.Current.CancellationToken);
        var topic = BrokerFixture.UniqueTopic("bad-config");

        var error = await Assert.ThrowsAsync<CreateTopicsException>(() => PersistenceTests.CreateTopicAsync(broker, topic, 1, new() { ["retention.ms"] = "soon" }));

        Assert.Equal(ErrorCode.InvalidConfig, error.Results.Single().Error.Code);
        Assert.Null(broker.State.Topics.Find(topic));
    }
}
