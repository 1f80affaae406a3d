using System.Buffers.Binary;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Storage;
using SensorAspire.EmbeddedKafka.Tests.Network;
using SensorAspire.EmbeddedKafka.Tests.Storage;

namespace SensorAspire.EmbeddedKafka.Tests.Apis;

/// <summary>
/// zstd only with the request versions that introduced it (KIP-110): Produce v7 and Fetch v10. Older versions get
/// UNSUPPORTED_COMPRESSION_TYPE (76) for the partition, as Kafka answers. Real clients never send these (librdkafka
/// compresses with zstd only when both versions are in range), so raw requests do.
/// </summary>
public sealed class ZstdVersionTests(BrokerFixture fixture)
{
    [Theory]
    [InlineData(3, BatchCompression.Zstd, KafkaErrorCode.UnsupportedCompressionType)]
    [InlineData(6, BatchCompression.Zstd, KafkaErrorCode.UnsupportedCompressionType)]
    [InlineData(7, BatchCompression.Zstd, KafkaErrorCode.None)]
    [InlineData(10, BatchCompression.Zstd, KafkaErrorCode.None)]
    [InlineData(3, BatchCompression.Gzip, KafkaErrorCode.None)]
    [InlineData(3, BatchCompression.Lz4, KafkaErrorCode.None)]
    public async Task ZstdIsRefusedBelowProduceV7AndNothingIsStored(short version, int codec, KafkaErrorCode expected)
    {
        var topic = BrokerFixture.UniqueTopic($"zstd-produce-v{version}");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);

        var produced = await client.RoundTripAsync<ProduceResponse>(ApiMessageCatalog.Produce, version, Produce(topic, KeyedBatches.Build([("k", "v")], codec: codec)));
        var fetched = await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 12, Fetch(topic, offset: 0));

        var partition = Assert.Single(Assert.Single(produced.Responses).PartitionResponses);
        Assert.Equal(expected, partition.ErrorCode);
        Assert.Equal(expected == KafkaErrorCode.None ? 1 : 0, Assert.Single(Assert.Single(fetched.Responses).Partitions).HighWatermark);
    }

    [Fact]
    public async Task FetchBelowV10ReturnsTheBatchesBeforeTheFirstZstdOneAndRefusesThatOne()
    {
        var topic = BrokerFixture.UniqueTopic("zstd-fetch");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);
        foreach (var codec in new[] { BatchCompression.None, BatchCompression.Gzip, BatchCompression.Zstd, BatchCompression.None })
        {
            var produced = await client.RoundTripAsync<ProduceResponse>(ApiMessageCatalog.Produce, 10, Produce(topic, KeyedBatches.Build([("k", "v")], codec: codec)));
            Assert.Equal(KafkaErrorCode.None, produced.Responses[0].PartitionResponses[0].ErrorCode);
        }

        var beforeZstd = Single(await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 4, Fetch(topic, offset: 0)));
        var atZstd = Single(await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 9, Fetch(topic, offset: 2)));
        var afterZstd = Single(await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 4, Fetch(topic, offset: 3)));
        var modern = Single(await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 10, Fetch(topic, offset: 0)));

        Assert.Equal((KafkaErrorCode.None, 4L), (beforeZstd.ErrorCode, beforeZstd.HighWatermark));
        Assert.Equal([0L, 1L], BaseOffsets(beforeZstd));
        Assert.Equal((KafkaErrorCode.UnsupportedCompressionType, -1L), (atZstd.ErrorCode, atZstd.HighWatermark));
        Assert.Equal(0, atZstd.Records?.Length);
        Assert.Equal([3L], BaseOffsets(afterZstd));
        Assert.Equal([0L, 1L, 2L, 3L], BaseOffsets(modern));
    }

    [Fact]
    public async Task TopicWithCompressionTypeZstdRefusesEveryFetchBelowV10()
    {
        var topic = BrokerFixture.UniqueTopic("zstd-config");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic, new CreateTopicsRequest.CreatableTopicConfig { Name = "compression.type", Value = "zstd" });
        await client.RoundTripAsync<ProduceResponse>(ApiMessageCatalog.Produce, 10, Produce(topic, KeyedBatches.Build([("k", "v")])));

        // Kafka decides by the topic's config here (KafkaApis.maybeConvertFetchedData), whatever the batches hold.
        var old = Single(await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 9, Fetch(topic, offset: 0)));
        var modern = Single(await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 10, Fetch(topic, offset: 0)));

        Assert.Equal((KafkaErrorCode.UnsupportedCompressionType, -1L), (old.ErrorCode, old.HighWatermark));
        Assert.Equal(0, old.Records?.Length);
        Assert.Equal(KafkaErrorCode.None, modern.ErrorCode);
        Assert.Equal([0L], BaseOffsets(modern));
    }

    private static async Task CreateTopicAsync(RawKafkaClient client, string topic, params CreateTopicsRequest.CreatableTopicConfig[] configs)
    {
        var created = await client.RoundTripAsync<CreateTopicsResponse>(ApiMessageCatalog.CreateTopics, 4, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1, Configs = [.. configs] }],
        });
        Assert.Equal(KafkaErrorCode.None, created.Topics[0].ErrorCode);
    }

    private static ProduceRequest Produce(string topic, byte[] batch) => new()
    {
        Acks = -1,
        TimeoutMs = 5000,
        TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = new RecordSet(batch) }] }],
    };

    private static FetchRequest Fetch(string topic, long offset) => new()
    {
        ReplicaId = -1,
        MaxWaitMs = 0,
        MinBytes = 1,
        MaxBytes = 4 << 20,
        SessionEpoch = -1,
        Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = offset, PartitionMaxBytes = 4 << 20 }] }],
    };

    private static FetchResponse.PartitionData Single(FetchResponse response) => Assert.Single(Assert.Single(response.Responses).Partitions);

    /// <summary>The base offsets of the whole batches a Fetch returned.</summary>
    private static List<long> BaseOffsets(FetchResponse.PartitionData partition)
    {
        var bytes = partition.Records!.ToMemory();
        var offsets = new List<long>();
        for (var position = 0; position < bytes.Length; position += RecordBatch.LogOverhead + BinaryPrimitives.ReadInt32BigEndian(bytes.Span[(position + 8)..]))
        {
            offsets.Add(BinaryPrimitives.ReadInt64BigEndian(bytes.Span[position..]));
        }

        return offsets;
    }
}
