using Confluent.Kafka;
using Confluent.Kafka.Admin;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>A broker with a data directory, stopped and started again on it: topics, logs and committed offsets survive.</summary>
public sealed class PersistenceTests
{
    private static readonly TimeSpan s_timeout = Wait.DefaultTimeout;

    [Fact]
    public async Task ConsumerGroupResumesAtItsCommittedOffsetsAfterARestartWithNothingLost()
    {
        using var directory = new TemporaryDirectory();
        var topic = BrokerFixture.UniqueTopic("persist-group");
        var group = topic + "-group";
        var produced = new List<string>();
        var consumedBefore = new List<string>();

        await using (var broker = await StartAsync(directory))
        {
            await CreateTopicAsync(broker, topic, partitions: 2, new() { ["retention.ms"] = "-1" });
            produced.AddRange(await ProduceAsync(broker, topic, "before", 300));
            using var consumer = new ConsumerBuilder<string, string>(GroupConfig(broker, group)).Build();
            consumer.Subscribe(topic);
            while (consumedBefore.Count < 120)
            {
                consumedBefore.Add(ConsumeOne(consumer).Message.Value);
            }

            consumer.Commit();
            consumer.Close();
        }

        await using (var broker = await StartAsync(directory))
        {
            produced.AddRange(await ProduceAsync(broker, topic, "after", 50));
            using var consumer = new ConsumerBuilder<string, string>(GroupConfig(broker, group)).Build();
            consumer.Subscribe(topic);
            var consumedAfter = new List<string>();
            while (consumedBefore.Count + consumedAfter.Count < produced.Count)
            {
                consumedAfter.Add(ConsumeOne(consumer).Message.Value);
            }

            consumer.Commit();
            consumer.Close();

            Assert.Empty(consumedBefore.Intersect(consumedAfter));
            Assert.Equal(produced.Order(), consumedBefore.Concat(consumedAfter).Order());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TopicsKeepTheirIdsPartitionsConfigsAndDataAcrossARestart(bool syncWrites)
    {
        using var directory = new TemporaryDirectory();
        var topic = BrokerFixture.UniqueTopic("persist-topic");
        Guid id;
        List<string> produced;
        await using (var broker = await StartAsync(directory, options => options.SyncWrites = syncWrites))
        {
            await CreateTopicAsync(broker, topic, partitions: 3, new() { ["retention.ms"] = "123456789", ["cleanup.policy"] = "compact,delete" });
            id = broker.State.Topics.Find(topic)!.Id;
            produced = await ProduceAsync(broker, topic, "m", 30);
        }

        await using (var broker = await StartAsync(directory, options => options.SyncWrites = syncWrites))
        {
            var stored = broker.State.Topics.Find(topic)!.Partitions.SelectMany(KeyedBatches.ReadAll).Select(r => r.Value).Order();
            Assert.Equal(produced.Order(), stored);

            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
            var metadata = admin.GetMetadata(topic, s_timeout);
            var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }])
                .WaitAsync(s_timeout, TestContext.Current.CancellationToken);
            var configs = described.Single().Entries;

            Assert.Equal(id, broker.State.Topics.Find(topic)!.Id);
            Assert.Equal(3, metadata.Topics.Single().Partitions.Count);
            Assert.Equal("123456789", configs["retention.ms"].Value);
            Assert.False(configs["retention.ms"].IsDefault);
            Assert.Equal("compact,delete", configs["cleanup.policy"].Value);
        }
    }

    [Fact]
    public async Task ATopicWithTheLongestLegalNameIsStoredAndRecovered()
    {
        using var directory = new TemporaryDirectory();
        var topic = new string('t', 249);
        await using (var broker = await StartAsync(directory))
        {
            await CreateTopicAsync(broker, topic, partitions: 1);
            await ProduceAsync(broker, topic, "long", 3);
        }

        await using (var broker = await StartAsync(directory))
        {
            Assert.Equal(3, broker.State.Topics.Find(topic)!.Partitions[0].HighWatermark);
        }
    }

    [Fact]
    public void WithADataDirectoryOnlyTheActiveSegmentStaysInMemoryAndClosedOnesAreReadFromTheirFiles()
    {
        using var directory = new TemporaryDirectory();
        var config = Config(segmentBytes: 1000);
        var log = new PartitionLog("t", 0, config, directory.Path);
        for (var i = 0; i < 300; i++)
        {
            log.Append(KeyedBatches.Single("k" + i, "value " + i));
        }

        var (size, resident, records) = (log.Size, log.ResidentBytes, KeyedBatches.ReadAll(log));
        log.Close();
        var recovered = new PartitionLog("t", 0, config, directory.Path);
        var (recoveredResident, recoveredRecords) = (recovered.ResidentBytes, KeyedBatches.ReadAll(recovered));
        recovered.Close();

        Assert.True(size > 20_000);
        Assert.InRange(resident, 1, 1000);
        Assert.InRange(recoveredResident, 1, 1000);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => "value " + i), records.Select(r => r.Value));
        Assert.Equal(records, recoveredRecords);
    }

    [Fact]
    public void TornSegmentTailIsCutOffAndAppendsContinueAfterTheLastWholeBatch()
    {
        using var directory = new TemporaryDirectory();
        var config = Config(segmentBytes: 1 << 20);
        var log = new PartitionLog("t", 0, config, directory.Path);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(((short)0, (long)i), log.Append(KeyedBatches.Single("k" + i, "v" + i)));
        }

        log.Close();
        var segment = Directory.GetFiles(directory.Path, "*.log").Single();
        var length = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(length - 7); // the last batch was only partly written when the process died
        }

        var recovered = new PartitionLog("t", 0, config, directory.Path);
        var appended = recovered.Append(KeyedBatches.Single("k5", "v5"));
        var records = KeyedBatches.ReadAll(recovered);
        recovered.Close();

        Assert.Equal(length - 7 - (length / 5 * 4), recovered.RecoveredTruncatedBytes);
        Assert.Equal(((short)0, 4L), appended);
        Assert.Equal(["v0", "v1", "v2", "v3", "v5"], records.Select(r => r.Value));
        Assert.Equal([0L, 1, 2, 3, 4], records.Select(r => r.Offset));
    }

    [Fact]
    public void CorruptBytesAtTheTailFailTheCrcAndAreCutOff()
    {
        using var directory = new TemporaryDirectory();
        var config = Config(segmentBytes: 1 << 20);
        var log = new PartitionLog("t", 0, config, directory.Path);
        log.Append(KeyedBatches.Single("a", "1"));
        log.Append(KeyedBatches.Single("b", "2"));
        log.Close();
        var segment = Directory.GetFiles(directory.Path, "*.log").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[^1] ^= 0xFF; // same length, wrong content: only the CRC can tell
        File.WriteAllBytes(segment, bytes);

        var recovered = new PartitionLog("t", 0, config, directory.Path);
        var records = KeyedBatches.ReadAll(recovered);
        recovered.Close();

        Assert.Equal(bytes.Length / 2, recovered.RecoveredTruncatedBytes);
        Assert.Equal(["1"], records.Select(r => r.Value));
        Assert.Equal(1, recovered.HighWatermark);
    }

    [Fact]
    public void IdempotentProducerStateIsRebuiltFromTheLogSoARetryAfterARestartIsNotStoredTwice()
    {
        using var directory = new TemporaryDirectory();
        var config = Config(segmentBytes: 1 << 20);
        var first = KeyedBatches.Build([("k", "a"), ("k", "b")], producerId: 5000, baseSequence: 0);
        var second = KeyedBatches.Build([("k", "c")], producerId: 5000, baseSequence: 2);
        var log = new PartitionLog("t", 0, config, directory.Path);
        log.Append(first);
        log.Append(second);
        log.Close();

        var recovered = new PartitionLog("t", 0, config, directory.Path);
        var retried = recovered.Append(second);
        var next = recovered.Append(KeyedBatches.Build([("k", "d")], producerId: 5000, baseSequence: 3));
        var gap = recovered.Append(KeyedBatches.Build([("k", "e")], producerId: 5000, baseSequence: 9));
        recovered.Close();

        Assert.Equal(((short)0, 2L), retried);
        Assert.Equal(((short)0, 3L), next);
        Assert.Equal(45, gap.Error);
        Assert.Equal(5000, recovered.MaxRecoveredProducerId);
    }

    [Fact]
    public async Task ARestartedBrokerNeverHandsOutAProducerIdFoundInItsLogs()
    {
        using var directory = new TemporaryDirectory();
        var topic = BrokerFixture.UniqueTopic("persist-pid");
        await using (var broker = await StartAsync(directory))
        {
            await CreateTopicAsync(broker, topic, partitions: 1);
            broker.State.Topics.Find(topic)!.Partitions[0].Append(KeyedBatches.Build([("k", "v")], producerId: 7777, baseSequence: 0));
        }

        await using (var broker = await StartAsync(directory))
        {
            Assert.True(broker.State.NextProducerId() > 7777);
        }
    }

    [Fact]
    public async Task ADeletedTopicLeavesNoFilesAndItsCommittedOffsetsStayGoneAfterARestart()
    {
        using var directory = new TemporaryDirectory();
        var topic = BrokerFixture.UniqueTopic("persist-delete");
        var group = topic + "-group";
        await using (var broker = await StartAsync(directory))
        {
            await CreateTopicAsync(broker, topic, partitions: 1);
            await ProduceAsync(broker, topic, "m", 3);
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
            await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(group, [new(new TopicPartition(topic, 0), 2)])])
                .WaitAsync(s_timeout, TestContext.Current.CancellationToken);
            await admin.DeleteTopicsAsync([topic]).WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        }

        await using (var broker = await StartAsync(directory))
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
            var offsets = await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, null)])
                .WaitAsync(s_timeout, TestContext.Current.CancellationToken);

            Assert.Null(broker.State.Topics.Find(topic));
            Assert.Empty(Directory.GetDirectories(Path.Combine(directory.Path, "topics")));
            Assert.Empty(offsets.Single().Partitions);
        }
    }

    [Fact]
    public async Task ASecondBrokerCannotOpenADataDirectoryInUseAndCanOnceTheFirstStops()
    {
        using var directory = new TemporaryDirectory();
        var first = await StartAsync(directory);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(directory));
        await first.DisposeAsync();
        await using var second = await StartAsync(directory);

        Assert.Contains("in use by another broker", error.Message);
    }

    /// <summary>Log settings for tests; compaction runs only when the test calls it unless <paramref name="compactOnRoll"/>.</summary>
    internal static LogConfig Config(int segmentBytes, long retentionBytes = -1, long retentionMs = -1, bool compact = false, long deleteRetentionMs = LogConfig.DefaultDeleteRetentionMs, bool compactOnRoll = false) =>
        new(segmentBytes, retentionBytes, retentionMs, Delete: !compact, Compact: compact, deleteRetentionMs, SyncWrites: false) { CompactOnRoll = compactOnRoll };

    internal static Task<EmbeddedKafkaBroker> StartAsync(TemporaryDirectory directory, Action<EmbeddedKafkaOptions>? configure = null)
    {
        var options = new EmbeddedKafkaOptions { DataDirectory = directory.Path, SegmentBytes = 4096 };
        configure?.Invoke(options);
        return EmbeddedKafkaBroker.StartAsync(options, TestContext.Current.CancellationToken);
    }

    internal static async Task CreateTopicAsync(EmbeddedKafkaBroker broker, string topic, int partitions, Dictionary<string, string>? configs = null)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1, Configs = configs }])
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);
    }

    /// <summary>Idempotent producer; keys spread messages over the partitions. Returns the values, all acknowledged.</summary>
    internal static async Task<List<string>> ProduceAsync(EmbeddedKafkaBroker broker, string topic, string prefix, int count, CompressionType compression = CompressionType.None)
    {
        var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, EnableIdempotence = true, LingerMs = 5, CompressionType = compression };
        using var producer = new ProducerBuilder<string, string>(config).Build();
        var values = Enumerable.Range(0, count).Select(i => $"{prefix}-{i}").ToList();
        var deliveries = values.Select((value, i) => producer.ProduceAsync(topic, new Message<string, string> { Key = "key-" + i, Value = value })).ToList();
        await Task.WhenAll(deliveries).WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        return values;
    }

    private static ConsumerConfig GroupConfig(EmbeddedKafkaBroker broker, string group) => new()
    {
        BootstrapServers = broker.BootstrapServers,
        GroupId = group,
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 500,
        FetchWaitMaxMs = 100,
    };

    private static ConsumeResult<string, string> ConsumeOne(IConsumer<string, string> consumer) =>
        consumer.Consume(s_timeout) ?? throw new TimeoutException("No message within the timeout.");
}
