using System.Buffers.Binary;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Tests.Network;
using SensorAspire.EmbeddedKafka.Tests.Storage;

namespace SensorAspire.EmbeddedKafka.Tests.Apis;

/// <summary>Wire-level behaviour that real clients never trigger on purpose: malformed frames, raw batches, acks=0.</summary>
public sealed class RawProtocolTests(BrokerFixture fixture)
{
    [Fact]
    public async Task MalformedRequestClosesOnlyItsOwnConnection()
    {
        await using var healthy = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await using var broken = await RawKafkaClient.ConnectAsync(fixture.Broker);
        var garbage = new byte[24];
        BinaryPrimitives.WriteInt32BigEndian(garbage, 20);
        BinaryPrimitives.WriteInt16BigEndian(garbage.AsSpan(4), 3);   // Metadata v12 whose body is cut short
        BinaryPrimitives.WriteInt16BigEndian(garbage.AsSpan(6), 12);
        garbage.AsSpan(8).Fill(0xFF);

        var topic = BrokerFixture.UniqueTopic("after-garbage");
        using var producer = new Confluent.Kafka.ProducerBuilder<Confluent.Kafka.Null, string>(fixture.ProducerConfig()).Build();
        await producer.ProduceAsync(topic, new Confluent.Kafka.Message<Confluent.Kafka.Null, string> { Value = "before" }, TestContext.Current.CancellationToken)
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);

        await broken.SendRawAsync(garbage);

        Assert.True(await broken.IsClosedByBrokerAsync());
        var versions = await healthy.RoundTripAsync<ApiVersionsResponse>(ApiMessageCatalog.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "raw", ClientSoftwareVersion = "1" });
        var after = await producer.ProduceAsync(topic, new Confluent.Kafka.Message<Confluent.Kafka.Null, string> { Value = "after" }, TestContext.Current.CancellationToken)
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        Assert.Equal(KafkaErrorCode.None, versions.ErrorCode);
        Assert.Equal(1, after.Offset.Value);
    }

    [Fact]
    public async Task UnknownApiKeyClosesTheConnection()
    {
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);

        await client.SendAsync(999, 0, new ApiVersionsRequest());

        Assert.True(await client.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task OversizedFrameIsRejectedFromItsSizePrefixAlone()
    {
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, 200 * 1024 * 1024);

        await client.SendRawAsync(prefix);

        Assert.True(await client.IsClosedByBrokerAsync());
    }

    [Fact]
    public async Task TooNewApiVersionsGetsAVersionZeroUnsupportedVersionReply()
    {
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);

        var sent = await client.SendAsync(ApiMessageCatalog.ApiVersions, 9, new ApiVersionsRequest { ClientSoftwareName = "future", ClientSoftwareVersion = "9" });
        var (correlationId, body) = await client.ReceiveAsync(ApiMessageCatalog.ApiVersions, 0);
        var response = new ApiVersionsResponse();
        response.Read(body, 0);

        Assert.Equal(sent, correlationId);
        Assert.Equal(KafkaErrorCode.UnsupportedVersion, response.ErrorCode);
        Assert.Contains(response.ApiKeys, k => k is { ApiKey: 18, MinVersion: 0, MaxVersion: 3 });
        Assert.Equal(0, body.Remaining);
    }

    [Fact]
    public async Task ApiVersionsAdvertisesTheGuideRangesAndNothingUnimplemented()
    {
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);

        var response = await client.RoundTripAsync<ApiVersionsResponse>(ApiMessageCatalog.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "raw", ClientSoftwareVersion = "1" });
        var ranges = response.ApiKeys.ToDictionary(k => k.ApiKey, k => (k.MinVersion, k.MaxVersion));

        Assert.Equal(((short)3, (short)10), ranges[0]);
        Assert.Equal(((short)4, (short)12), ranges[1]);
        Assert.Equal(((short)1, (short)7), ranges[2]);
        Assert.Equal(((short)0, (short)12), ranges[3]);

        // Static membership (KIP-345) needs JoinGroup 5, SyncGroup 3, Heartbeat 3 and OffsetCommit 7 (what librdkafka
        // sends with group.instance.id), LeaveGroup 3+ to remove by instance id and DescribeGroups 4+ to show it.
        Assert.Equal(((short)0, (short)9), ranges[8]);
        Assert.Equal(((short)0, (short)5), ranges[11]);
        Assert.Equal(((short)0, (short)3), ranges[12]);
        Assert.Equal(((short)0, (short)5), ranges[13]);
        Assert.Equal(((short)0, (short)3), ranges[14]);
        Assert.Equal(((short)0, (short)5), ranges[15]);
        Assert.Equal(((short)0, (short)3), ranges[18]);
        Assert.Equal(((short)0, (short)4), ranges[19]);
        Assert.Equal(((short)0, (short)4), ranges[20]);
        Assert.Equal(((short)0, (short)4), ranges[22]);
        Assert.Equal(((short)0, (short)1), ranges[32]);
        Assert.DoesNotContain((short)23, ranges.Keys);
        Assert.DoesNotContain((short)71, ranges.Keys);
        Assert.Equal(ranges.Keys.Order(), response.ApiKeys.Select(k => k.ApiKey));
    }

    [Fact]
    public async Task AcksZeroProduceIsStoredWithoutAResponse()
    {
        var topic = BrokerFixture.UniqueTopic("acks0");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);

        await client.SendAsync(ApiMessageCatalog.Produce, 9, Produce(topic, TestBatches.Build(3), acks: 0));
        var offsets = await client.RoundTripAsync<ListOffsetsResponse>(ApiMessageCatalog.ListOffsets, 7, Latest(topic));

        Assert.Equal(3, offsets.Topics[0].Partitions[0].Offset);
    }

    [Theory]
    [InlineData((short)1, KafkaErrorCode.None)]
    [InlineData((short)-1, KafkaErrorCode.None)]
    [InlineData((short)2, KafkaErrorCode.InvalidRequiredAcks)]
    public async Task ProduceAnswersAcksOneAndAllAndRejectsOtherValues(short acks, KafkaErrorCode expected)
    {
        var topic = BrokerFixture.UniqueTopic("acks");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);

        var response = await client.RoundTripAsync<ProduceResponse>(ApiMessageCatalog.Produce, 7, Produce(topic, TestBatches.Build(2), acks));

        Assert.Equal(expected, response.Responses[0].PartitionResponses[0].ErrorCode);
    }

    [Fact]
    public async Task RetriedIdempotentBatchIsStoredOnceAndAGapIsRejected()
    {
        var topic = BrokerFixture.UniqueTopic("sequence");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);
        var producer = await client.RoundTripAsync<InitProducerIdResponse>(ApiMessageCatalog.InitProducerId, 4, new InitProducerIdRequest { TransactionalId = null, TransactionTimeoutMs = -1 });
        var first = TestBatches.Build(3, producer.ProducerId, producer.ProducerEpoch, baseSequence: 0);

        var original = await ProduceAsync(client, topic, first);
        var retry = await ProduceAsync(client, topic, first);
        var next = await ProduceAsync(client, topic, TestBatches.Build(2, producer.ProducerId, producer.ProducerEpoch, baseSequence: 3));
        var gap = await ProduceAsync(client, topic, TestBatches.Build(1, producer.ProducerId, producer.ProducerEpoch, baseSequence: 9));
        var offsets = await client.RoundTripAsync<ListOffsetsResponse>(ApiMessageCatalog.ListOffsets, 7, Latest(topic));

        Assert.True(producer.ProducerId > 0);
        Assert.Equal((KafkaErrorCode.None, 0L), original);
        Assert.Equal((KafkaErrorCode.None, 0L), retry);
        Assert.Equal((KafkaErrorCode.None, 3L), next);
        Assert.Equal(KafkaErrorCode.OutOfOrderSequenceNumber, gap.Error);
        Assert.Equal(5, offsets.Topics[0].Partitions[0].Offset);
    }

    [Fact]
    public async Task CorruptBatchIsRejectedAndNotStored()
    {
        var topic = BrokerFixture.UniqueTopic("crc");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);
        var batch = TestBatches.Build(2);
        batch[^1] ^= 0xFF;

        var result = await ProduceAsync(client, topic, batch);
        var offsets = await client.RoundTripAsync<ListOffsetsResponse>(ApiMessageCatalog.ListOffsets, 7, Latest(topic));

        Assert.Equal(KafkaErrorCode.CorruptMessage, result.Error);
        Assert.Equal(0, offsets.Topics[0].Partitions[0].Offset);
    }

    [Fact]
    public async Task FetchInsideABatchReturnsTheWholeBatchAndTheExactHighWatermark()
    {
        var topic = BrokerFixture.UniqueTopic("fetch-mid");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);
        var batch = TestBatches.Build(5);
        await ProduceAsync(client, topic, batch);

        var response = await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 12, Fetch(topic, offset: 3, maxWaitMs: 0));
        var partition = response.Responses[0].Partitions[0];
        var records = partition.Records!.ToMemory().ToArray();

        Assert.Equal(KafkaErrorCode.None, partition.ErrorCode);
        Assert.Equal(5, partition.HighWatermark);
        Assert.Equal(-1, partition.PreferredReadReplica);
        Assert.Equal(batch.Length, records.Length);
        Assert.Equal(0, BinaryPrimitives.ReadInt64BigEndian(records));
        Assert.Equal(batch.AsSpan(16).ToArray(), records.AsSpan(16).ToArray());
    }

    [Fact]
    public async Task FetchBeyondTheEndIsOffsetOutOfRangeAndAtTheEndIsEmptyNotNull()
    {
        var topic = BrokerFixture.UniqueTopic("fetch-range");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);
        await ProduceAsync(client, topic, TestBatches.Build(2));

        var beyond = await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 11, Fetch(topic, offset: 5, maxWaitMs: 0));
        var atEnd = await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 11, Fetch(topic, offset: 2, maxWaitMs: 0));

        Assert.Equal(KafkaErrorCode.OffsetOutOfRange, beyond.Responses[0].Partitions[0].ErrorCode);
        Assert.Equal(KafkaErrorCode.None, atEnd.Responses[0].Partitions[0].ErrorCode);
        Assert.Equal(0, atEnd.Responses[0].Partitions[0].Records?.Length);
    }

    [Fact]
    public async Task ParkedFetchIsWokenByAnAppendOnAnotherConnection()
    {
        // The request observer sees every request the broker gets: a broker of its own keeps other tests' out of it.
        await using var own = await BrokerFixture.StartAsync(new EmbeddedKafkaOptions());
        var topic = BrokerFixture.UniqueTopic("long-poll");
        await using var consumer = await RawKafkaClient.ConnectAsync(own.Broker);
        await using var producer = await RawKafkaClient.ConnectAsync(own.Broker);
        await CreateTopicAsync(producer, topic);
        var fetchParked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        own.Broker.RequestObserver = info =>
        {
            if (info.ApiKey == ApiMessageCatalog.Fetch)
            {
                fetchParked.TrySetResult();
            }
        };

        // A minute-long MaxWait: the answer can only arrive within the test timeout if the append wakes the Fetch.
        var sent = await consumer.SendAsync(ApiMessageCatalog.Fetch, 12, Fetch(topic, offset: 0, maxWaitMs: 60_000));
        await fetchParked.Task.WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        own.Broker.RequestObserver = null;
        await ProduceAsync(producer, topic, TestBatches.Build(1));
        var (correlationId, body) = await consumer.ReceiveAsync(ApiMessageCatalog.Fetch, 12);
        var response = new FetchResponse();
        response.Read(body, 12);

        Assert.Equal(sent, correlationId);
        Assert.Equal(1, response.Responses[0].Partitions[0].HighWatermark);
        Assert.True(response.Responses[0].Partitions[0].Records?.Length > 0);
    }

    [Fact]
    public async Task PipelinedResponsesKeepRequestOrderBehindAParkedFetch()
    {
        var topic = BrokerFixture.UniqueTopic("pipeline");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);

        var fetch = await client.SendAsync(ApiMessageCatalog.Fetch, 12, Fetch(topic, offset: 0, maxWaitMs: 300));
        var versions = await client.SendAsync(ApiMessageCatalog.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "raw", ClientSoftwareVersion = "1" });
        var first = await client.ReceiveAsync(ApiMessageCatalog.Fetch, 12);
        var second = await client.ReceiveAsync(ApiMessageCatalog.ApiVersions, 3);

        Assert.Equal((fetch, versions), (first.CorrelationId, second.CorrelationId));
    }

    [Fact]
    public async Task FetchReturnsAFirstBatchLargerThanTheLimits()
    {
        var topic = BrokerFixture.UniqueTopic("oversized");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);
        var first = TestBatches.Build(40);
        await ProduceAsync(client, topic, first);
        await ProduceAsync(client, topic, TestBatches.Build(3));
        var request = Fetch(topic, offset: 0, maxWaitMs: 0);
        request.Topics[0].Partitions[0].PartitionMaxBytes = 10;

        var response = await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 12, request);

        Assert.Equal(first.Length, response.Responses[0].Partitions[0].Records?.Length);
        Assert.Equal(43, response.Responses[0].Partitions[0].HighWatermark);
    }

    [Fact]
    public async Task FetchReadsAcrossSegmentBoundariesInOrder()
    {
        var topic = BrokerFixture.UniqueTopic("segments");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);

        // Three 600 KB batches cannot share one 1 MiB in-memory segment.
        var batches = Enumerable.Range(0, 3).Select(_ => TestBatches.Build(2, valueSize: 300_000)).ToList();
        foreach (var batch in batches)
        {
            await ProduceAsync(client, topic, batch);
        }

        var fromStart = await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 12, Fetch(topic, offset: 0, maxWaitMs: 0));
        var fromLast = await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 12, Fetch(topic, offset: 5, maxWaitMs: 0));
        var all = fromStart.Responses[0].Partitions[0].Records!.ToMemory().ToArray();
        var last = fromLast.Responses[0].Partitions[0].Records!.ToMemory().ToArray();

        Assert.Equal(batches.Sum(b => b.Length), all.Length);
        Assert.Equal([0L, 2L, 4L], Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadInt64BigEndian(all.AsSpan(i * batches[0].Length))));
        Assert.Equal(batches[2].Length, last.Length);
        Assert.Equal(4, BinaryPrimitives.ReadInt64BigEndian(last));
    }

    [Fact]
    public async Task MetadataNullTopicsMeansAllAndEmptyMeansNone()
    {
        var topic = BrokerFixture.UniqueTopic("meta-all");
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await CreateTopicAsync(client, topic);

        var all = await client.RoundTripAsync<MetadataResponse>(ApiMessageCatalog.Metadata, 12, new MetadataRequest { Topics = null });
        var none = await client.RoundTripAsync<MetadataResponse>(ApiMessageCatalog.Metadata, 1, new MetadataRequest { Topics = [] });
        var allV0 = await client.RoundTripAsync<MetadataResponse>(ApiMessageCatalog.Metadata, 0, new MetadataRequest { Topics = [] });

        Assert.Contains(all.Topics, t => t.Name == topic && t.TopicId != Guid.Empty);
        Assert.Equal(1, all.ControllerId);
        Assert.Empty(none.Topics);
        Assert.Single(none.Brokers);
        Assert.Contains(allV0.Topics, t => t.Name == topic);
    }

    [Fact]
    public async Task FetchWaitsForMinBytesAndAnswersOnceEnoughHasArrived()
    {
        // The request observer sees every request the broker gets: a broker of its own keeps other tests' out of it.
        await using var own = await BrokerFixture.StartAsync(new EmbeddedKafkaOptions());
        var topic = BrokerFixture.UniqueTopic("min-bytes");
        await using var consumer = await RawKafkaClient.ConnectAsync(own.Broker);
        await using var producer = await RawKafkaClient.ConnectAsync(own.Broker);
        await CreateTopicAsync(producer, topic);
        var small = TestBatches.Build(1);
        await ProduceAsync(producer, topic, small);
        var fetchReceived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        own.Broker.RequestObserver = info =>
        {
            if (info.ApiKey == ApiMessageCatalog.Fetch)
            {
                fetchReceived.TrySetResult();
            }
        };
        var request = Fetch(topic, offset: 0, maxWaitMs: 60_000);
        request.MinBytes = 50_000;

        // The small batch alone is short of MinBytes, so the Fetch parks; the big one completes it long before MaxWait.
        var sent = await consumer.SendAsync(ApiMessageCatalog.Fetch, 12, request);
        await fetchReceived.Task.WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        own.Broker.RequestObserver = null;
        var big = TestBatches.Build(1, valueSize: 60_000);
        await ProduceAsync(producer, topic, big);
        var (correlationId, body) = await consumer.ReceiveAsync(ApiMessageCatalog.Fetch, 12);
        var response = new FetchResponse();
        response.Read(body, 12);

        Assert.Equal(sent, correlationId);
        Assert.Equal(small.Length + big.Length, response.Responses[0].Partitions[0].Records?.Length);
    }

    [Fact]
    public async Task FetchWokenWhileTheConnectionIsStillSendingEarlierResponsesIsAnswered()
    {
        // A broker of its own: the big topic goes with it.
        await using var own = await BrokerFixture.StartAsync(new EmbeddedKafkaOptions());
        var big = BrokerFixture.UniqueTopic("big");
        var quiet = BrokerFixture.UniqueTopic("quiet");
        await using var producer = await RawKafkaClient.ConnectAsync(own.Broker);
        await CreateTopicAsync(producer, big);
        await CreateTopicAsync(producer, quiet);
        var megabyte = TestBatches.Build(1, valueSize: 1 << 20);
        const int BigBatches = 16;
        for (var i = 0; i < BigBatches; i++)
        {
            await ProduceAsync(producer, big, megabyte);
        }

        // A small receive window and a first response far bigger than what the kernel buffers between the two sockets
        // (Linux's send buffer grows to 4 MiB by default): the broker cannot finish sending it until this client reads.
        await using var consumer = await RawKafkaClient.ConnectAsync(own.Broker, receiveBufferSize: 64 * 1024);
        var everything = Fetch(big, offset: 0, maxWaitMs: 0);
        everything.Topics[0].Partitions[0].PartitionMaxBytes = 2 * BigBatches * megabyte.Length;
        var sent = await consumer.SendTogetherAsync(
        [
            (ApiMessageCatalog.Fetch, 12, everything),
            // A minute-long MaxWait: an answer within the test timeout can only come from the append below waking it.
            (ApiMessageCatalog.Fetch, 12, Fetch(quiet, offset: 0, maxWaitMs: 60_000)),
        ]);

        // Both requests arrive in one read; the second parks, so the broker sends the first response while it waits.
        await Wait.UntilAsync(() => consumer.Available > 0, "the broker to start sending the big Fetch response");
        await ProduceAsync(producer, quiet, TestBatches.Build(1));
        var (firstId, firstBody) = await consumer.ReceiveAsync(ApiMessageCatalog.Fetch, 12);
        var first = new FetchResponse();
        first.Read(firstBody, 12);
        var (secondId, secondBody) = await consumer.ReceiveAsync(ApiMessageCatalog.Fetch, 12);
        var second = new FetchResponse();
        second.Read(secondBody, 12);

        Assert.Equal(sent, new[] { firstId, secondId });
        Assert.Equal(BigBatches * megabyte.Length, first.Responses[0].Partitions[0].Records?.Length);
        Assert.Equal(1, second.Responses[0].Partitions[0].HighWatermark);
        Assert.True(second.Responses[0].Partitions[0].Records?.Length > 0);
    }

    private static async Task CreateTopicAsync(RawKafkaClient client, string topic)
    {
        var created = await client.RoundTripAsync<CreateTopicsResponse>(ApiMessageCatalog.CreateTopics, 4, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
        });
        Assert.Equal(KafkaErrorCode.None, created.Topics[0].ErrorCode);
    }

    private static async Task<(KafkaErrorCode Error, long BaseOffset)> ProduceAsync(RawKafkaClient client, string topic, byte[] batch)
    {
        var response = await client.RoundTripAsync<ProduceResponse>(ApiMessageCatalog.Produce, 9, Produce(topic, batch, acks: -1));
        var partition = response.Responses[0].PartitionResponses[0];
        return (partition.ErrorCode, partition.BaseOffset);
    }

    private static ProduceRequest Produce(string topic, byte[] batch, short acks) => new()
    {
        Acks = acks,
        TimeoutMs = 5000,
        TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = new RecordSet(batch) }] }],
    };

    private static ListOffsetsRequest Latest(string topic) => new()
    {
        ReplicaId = -1,
        Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = -1 }] }],
    };

    private static FetchRequest Fetch(string topic, long offset, int maxWaitMs) => new()
    {
        ReplicaId = -1,
        MaxWaitMs = maxWaitMs,
        MinBytes = 1,
        SessionEpoch = -1,
        Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = offset, PartitionMaxBytes = 4 << 20 }] }],
    };
}
