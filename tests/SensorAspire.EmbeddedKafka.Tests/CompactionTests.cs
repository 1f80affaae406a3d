using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>cleanup.policy=compact keeps at least the latest record per key, with its original offset, in memory and on disk.</summary>
public sealed class CompactionTests
{
    private static readonly TimeSpan s_timeout = Wait.DefaultTimeout;

    [Fact]
    public void CompactionKeepsTheLatestRecordPerKeyAtItsOriginalOffset()
    {
        var log = new PartitionLog("t", 0, PersistenceTests.Config(segmentBytes: 300, compact: true));
        for (var version = 0; version < 20; version++)
        {
            for (var key = 0; key < 5; key++)
            {
                log.Append(KeyedBatches.Single("k" + key, $"k{key}v{version}"));
            }
        }

        var produced = 100L * KeyedBatches.Single("k0", "k0v10").Length;
        log.Compact(wait: true);
        var records = KeyedBatches.ReadAll(log);

        Assert.True(log.Size < produced / 2);
        Assert.Equal((0L, 100L), (log.LogStartOffset, log.HighWatermark));
        Assert.Equal(records.Select(r => r.Offset).Order(), records.Select(r => r.Offset));
        Assert.Equal(records.Count, records.Select(r => r.Offset).Distinct().Count());
        for (var key = 0; key < 5; key++)
        {
            var latest = records.Last(r => r.Key == "k" + key);
            Assert.Equal($"k{key}v19", latest.Value);
            Assert.Equal(95 + key, latest.Offset);
        }

        // Only the active segment may still hold older versions; everything before it is one record per key.
        var closedRecords = records.Where(r => r.Offset < 95 - 5).ToList();
        Assert.Equal(closedRecords.Count, closedRecords.Select(r => r.Key).Distinct().Count());
    }

    [Fact]
    public async Task CompactionRunsByItselfAsSegmentsRollSoAKeyedTopicStaysSmall()
    {
        var log = new PartitionLog("t", 0, PersistenceTests.Config(segmentBytes: 300, compact: true, compactOnRoll: true));
        for (var version = 0; version < 200; version++)
        {
            for (var key = 0; key < 5; key++)
            {
                log.Append(KeyedBatches.Single("k" + key, $"k{key}v{version}"));
            }
        }

        // Compaction runs on the thread pool after rolls and there is no event for "done": poll, bounded.
        var deadline = DateTime.UtcNow + s_timeout;
        while (log.Size > 3000 && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
        }

        var records = KeyedBatches.ReadAll(log);

        Assert.InRange(log.Size, 1, 3000);
        Assert.All(Enumerable.Range(0, 5), key => Assert.Equal($"k{key}v199", records.Last(r => r.Key == "k" + key).Value));
        Assert.Equal(1000, log.HighWatermark);
    }

    [Theory]
    [InlineData(BatchCompression.None, false)]
    [InlineData(BatchCompression.Gzip, false)]
    [InlineData(BatchCompression.Snappy, false)]
    [InlineData(BatchCompression.Snappy, true)]
    [InlineData(BatchCompression.Lz4, false)]
    [InlineData(BatchCompression.Zstd, false)]
    public void ABatchThatLosesRecordsIsRebuiltWithANewCrcAndKeepsItsOffsetGaps(int codec, bool xerial)
    {
        var log = new PartitionLog("t", 0, PersistenceTests.Config(segmentBytes: 1, compact: true));
        log.Append(KeyedBatches.Build([("a", "a1"), ("b", "b1"), ("c", "c1"), ("d", "d1")], codec: codec, xerial: xerial));
        log.Append(KeyedBatches.Build([("a", "a2"), ("c", "c2")], codec: codec, xerial: xerial));
        log.Append(KeyedBatches.Single("e", "e1")); // the active segment

        log.Compact(wait: true);
        var records = KeyedBatches.ReadAll(log);

        Assert.Equal([(1L, "b", "b1"), (3L, "d", "d1"), (4L, "a", "a2"), (5L, "c", "c2"), (6L, "e", "e1")], records.Select(r => (r.Offset, r.Key, r.Value)));
        Assert.Equal(7, log.HighWatermark);
    }

    [Fact]
    public void ABatchWhoseRecordsDoNotParseIsKeptWholeByCompaction()
    {
        // A valid header and CRC around garbage records: the CRC proves only that the producer sent these bytes.
        var hostile = KeyedBatches.Build([("a", "1"), ("b", "2")]);
        hostile.AsSpan(RecordBatch.HeaderSize).Fill(0xFF);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(hostile.AsSpan(17), RecordBatch.Crc32C(hostile.AsSpan(21)));
        var log = new PartitionLog("t", 0, PersistenceTests.Config(segmentBytes: 1, compact: true));
        log.Append(hostile);
        log.Append(KeyedBatches.Single("a", "3"));
        log.Append(KeyedBatches.Single("z", "active"));

        log.Compact(wait: true);
        var slices = new List<ReadOnlyMemory<byte>>();
        log.Read(0, int.MaxValue, atLeastOne: true, slices);

        Assert.Equal(hostile.AsSpan(16).ToArray(), slices[0].Span[16..hostile.Length].ToArray());
        Assert.Equal((0L, 4L), (log.LogStartOffset, log.HighWatermark));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(LogConfig.DefaultDeleteRetentionMs, true)]
    public void TombstonesOutliveCompactionOnlyForDeleteRetentionMs(long deleteRetentionMs, bool kept)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var log = new PartitionLog("t", 0, PersistenceTests.Config(segmentBytes: 1, compact: true, deleteRetentionMs: deleteRetentionMs));
        log.Append(KeyedBatches.Single("gone", "v1", timestamp: now - 1000));
        log.Append(KeyedBatches.Single("gone", null, timestamp: now - 1000));
        log.Append(KeyedBatches.Single("stays", "v1", timestamp: now));
        log.Append(KeyedBatches.Single(null, "no key", timestamp: now));
        log.Append(KeyedBatches.Single("active", "v1", timestamp: now));

        log.Compact(wait: true);
        var records = KeyedBatches.ReadAll(log);

        Assert.Equal(kept, records.Any(r => r is { Key: "gone", Value: null }));
        Assert.DoesNotContain(records, r => r is { Key: "gone", Value: "v1" });
        Assert.DoesNotContain(records, r => r.Key is null);
        Assert.Contains(records, r => r is { Key: "stays", Value: "v1" });
    }

    [Fact]
    public void AnIdempotentProducersLastBatchSurvivesCompactionSoItsSequenceContinuesAfterARestart()
    {
        using var directory = new TemporaryDirectory();
        var config = PersistenceTests.Config(segmentBytes: 1, compact: true);
        var log = new PartitionLog("t", 0, config, directory.Path);
        log.Append(KeyedBatches.Build([("k", "v0")], producerId: 9000, baseSequence: 0));
        log.Append(KeyedBatches.Build([("k", "v1")], producerId: 9000, baseSequence: 1));
        log.Append(KeyedBatches.Single("k", "v2"));
        log.Compact(wait: true);
        log.Close();

        var recovered = new PartitionLog("t", 0, config, directory.Path);
        var next = recovered.Append(KeyedBatches.Build([("k", "v3")], producerId: 9000, baseSequence: 2));
        var records = KeyedBatches.ReadAll(recovered);
        recovered.Close();

        Assert.Equal(((short)0, 3L), next);
        Assert.Equal([1L, 2, 3], records.Select(r => r.Offset));
    }

    [Fact]
    public void ACompactionInterruptedBetweenRenamingAndDeletingIsResolvedOnRecovery()
    {
        using var directory = new TemporaryDirectory();
        var config = PersistenceTests.Config(segmentBytes: 200, compact: true);
        var log = new PartitionLog("t", 0, config, directory.Path);
        for (var version = 0; version < 10; version++)
        {
            for (var key = 0; key < 3; key++)
            {
                log.Append(KeyedBatches.Single("k" + key, $"k{key}v{version}"));
            }
        }

        var originals = Directory.GetFiles(directory.Path, "*.log").ToDictionary(path => path, File.ReadAllBytes);
        log.Compact(wait: true);
        var compacted = KeyedBatches.ReadAll(log);
        log.Close();

        // The crash: originals not yet deleted, and unfinished output of a later compaction.
        foreach (var (path, bytes) in originals.Where(original => !File.Exists(original.Key)))
        {
            File.WriteAllBytes(path, bytes);
        }

        File.WriteAllBytes(Path.Combine(directory.Path, LogSegment.FileName(0) + ".cleaned"), [1, 2, 3]);
        var recovered = new PartitionLog("t", 0, config, directory.Path);
        var records = KeyedBatches.ReadAll(recovered);
        recovered.Close();

        Assert.True(originals.Count > 2);
        Assert.Equal(compacted, records);
        Assert.Empty(Directory.GetFiles(directory.Path, "*.cleaned"));
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task ACompactedTopicReadByConfluentHoldsTheLatestValueOfEveryKeyAfterARestart(CompressionType compression)
    {
        using var directory = new TemporaryDirectory();
        var topic = BrokerFixture.UniqueTopic("compacted");
        var produced = 0;
        long highWatermark;
        await using (var broker = await PersistenceTests.StartAsync(directory))
        {
            await PersistenceTests.CreateTopicAsync(broker, topic, partitions: 1, new() { ["cleanup.policy"] = "compact", ["segment.bytes"] = "1024" });

            // Batches of 7 across 10 keys, and keys 5-9 stop at version 24: batches in the middle of the log then hold
            // both survivors and superseded records, so compaction has to rebuild (and recompress) them.
            var config = new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 5, BatchNumMessages = 7, CompressionType = compression };
            using (var producer = new ProducerBuilder<string, string>(config).Build())
            {
                for (var version = 0; version < 50; version++)
                {
                    for (var key = 0; key < (version < 25 ? 10 : 5); key++)
                    {
                        producer.Produce(topic, new Message<string, string> { Key = "sensor-" + key, Value = $"sensor-{key} window {version}" });
                        produced++;
                    }
                }

                Assert.Equal(0, producer.Flush(s_timeout));
            }

            broker.CleanLogsNow();
            highWatermark = broker.State.Topics.Find(topic)!.Partitions[0].HighWatermark;
        }

        await using (var restarted = await PersistenceTests.StartAsync(directory))
        {
            var results = KeyedBatches.ConsumeAll(restarted.BootstrapServers, topic, highWatermark);
            var latest = results.GroupBy(r => r.Message.Key).ToDictionary(g => g.Key, g => g.Last().Message.Value);

            Assert.Equal(produced, highWatermark);
            Assert.InRange(results.Count, 10, produced / 3);
            Assert.Equal(results.Select(r => r.Offset.Value).Order(), results.Select(r => r.Offset.Value));
            Assert.Equal(
                Enumerable.Range(0, 10).Select(key => $"sensor-{key} window {(key < 5 ? 49 : 24)}"),
                Enumerable.Range(0, 10).Select(key => latest["sensor-" + key]));
        }
    }
}
