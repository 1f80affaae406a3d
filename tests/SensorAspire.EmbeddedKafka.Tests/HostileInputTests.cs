using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>
/// Hostile and fuzzed frames from many connections at once, while a real producer and consumer keep working against
/// the same broker: the broker never faults, keeps answering, and the real clients' data arrives complete and intact.
/// Set EMBEDDED_KAFKA_FUZZ_SECONDS to fuzz for longer than the default fixed number of rounds (fresh seeds each round).
/// </summary>
public sealed class HostileInputTests
{
    private const int Workers = 8;
    private const int DefaultFuzzRounds = 6;
    private static readonly TimeSpan s_drainBound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task HostileFramesFromManyConnectionsNeverDisturbRealClients()
    {
        await RunBesideRealClientsAsync(async (broker, apis) =>
        {
            var cases = HostileCases(apis).ToList();
            await Parallel.ForEachAsync(Enumerable.Range(0, Workers), TestContext.Current.CancellationToken, async (worker, _) =>
            {
                for (var i = worker; i < cases.Count; i += Workers)
                {
                    await SendAndDrainAsync(broker, cases[i]);
                }
            });
            return cases.Count;
        });
    }

    [Fact]
    public async Task FuzzedRequestsForEveryApiVersionNeverDisturbRealClients()
    {
        var seconds = Environment.GetEnvironmentVariable("EMBEDDED_KAFKA_FUZZ_SECONDS") is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : 0;
        await RunBesideRealClientsAsync(async (broker, apis) =>
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
            var sent = 0;
            for (var round = 0; round < DefaultFuzzRounds || DateTime.UtcNow < deadline; round++)
            {
                var seed = round;
                await Parallel.ForEachAsync(Enumerable.Range(0, Workers), TestContext.Current.CancellationToken, async (worker, _) =>
                {
                    // Same round and worker, same frames: a failure names the seed that reproduces it.
                    var random = new Random(seed * Workers + worker);
                    for (var i = worker; i < apis.Count; i += Workers)
                    {
                        var (key, version) = apis[i];
                        var valid = FuzzFrames.Valid(random, key, version, correlationId: 1);
                        var mutated = FuzzFrames.Mutate(random, FuzzFrames.Valid(random, key, version, correlationId: 2));
                        await SendAndDrainAsync(broker, [.. valid, .. mutated, .. ApiVersionsFrame(3)]);
                        Interlocked.Increment(ref sent);
                    }
                });
            }

            return sent;
        });
    }

    [Fact]
    public async Task CreateTopicsWithAHugePartitionCountIsRefusedWithoutAllocating()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var client = await RawKafkaClient.ConnectAsync(broker);

        var response = await client.RoundTripAsync<CreateTopicsResponse>(ApiMessageCatalog.CreateTopics, 4, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = BrokerFixture.UniqueTopic("huge"), NumPartitions = int.MaxValue, ReplicationFactor = 1 }],
        });

        Assert.Equal(SensorAspire.EmbeddedKafka.Protocol.ErrorCode.InvalidPartitions, response.Topics[0].ErrorCode);
        Assert.Contains("MaxPartitionsPerTopic", response.Topics[0].ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListOffsetsByTimestampSurvivesAStoredBatchWithLyingRecordLengths()
    {
        // The CRC covers whatever the client sent, so a valid CRC proves nothing about the records inside.
        var batch = TestBatches.Build(recordCount: 3);
        batch[RecordBatch.HeaderSize] = 0x7F;   // zig-zag varint -64: the first record's length points back before the batch
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(35), 1_700_000_000_010);   // max timestamp past the first record's, so the scan steps over it
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), RecordBatch.Crc32C(batch.AsSpan(21)));
        using var faults = new BrokerFaultLog();
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { LoggerFactory = faults }, TestContext.Current.CancellationToken);
        await using var client = await RawKafkaClient.ConnectAsync(broker);
        var topic = BrokerFixture.UniqueTopic("lying-records");
        Assert.Equal(SensorAspire.EmbeddedKafka.Protocol.ErrorCode.None, await client.ProduceToNewTopicAsync(topic, batch));

        var offsets = await client.RoundTripAsync<ListOffsetsResponse>(ApiMessageCatalog.ListOffsets, 7, new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = 0, Timestamp = 1_700_000_000_005 }] }],
        });

        Assert.Equal((SensorAspire.EmbeddedKafka.Protocol.ErrorCode.None, 0L), (offsets.Topics[0].Partitions[0].ErrorCode, offsets.Topics[0].Partitions[0].Offset));
        Assert.Empty(faults.Faults);
    }

    [Fact]
    public async Task JoinGroupListingAProtocolNameTwiceIsAnsweredNotFaulted()
    {
        // Found by the fuzz: the protocol vote keyed a dictionary on names and threw on the repeat.
        using var faults = new BrokerFaultLog();
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { LoggerFactory = faults }, TestContext.Current.CancellationToken);
        await using var client = await RawKafkaClient.ConnectAsync(broker);

        var joined = await client.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 3, new JoinGroupRequest
        {
            GroupId = BrokerFixture.UniqueTopic("repeated-protocol"),
            SessionTimeoutMs = 6000,
            RebalanceTimeoutMs = 6000,
            MemberId = "",
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = [1] }, new() { Name = "range", Metadata = [2] }, new() { Name = "roundrobin", Metadata = [3] }],
        });

        Assert.Equal((SensorAspire.EmbeddedKafka.Protocol.ErrorCode.None, "range"), (joined.ErrorCode, joined.ProtocolName));
        Assert.Equal([1], Assert.Single(joined.Members).Metadata);
        Assert.Empty(faults.Faults);
    }

    /// <summary>
    /// Starts a broker, keeps a real producer and consumer busy on it while <paramref name="attack"/> runs, then checks
    /// that every produced message arrived in order, the stored log reads back the same, and the broker logged no fault.
    /// </summary>
    private static async Task RunBesideRealClientsAsync(Func<EmbeddedKafkaBroker, List<(short Key, short Version)>, Task<int>> attack)
    {
        using var faults = new BrokerFaultLog();
        var fixture = await BrokerFixture.StartAsync(new EmbeddedKafkaOptions { LoggerFactory = faults });
        var broker = fixture.Broker;
        try
        {
            var topic = BrokerFixture.UniqueTopic("steady");
            var apis = await SupportedApisAsync(broker);
            using var attacking = new CancellationTokenSource();
            var consumed = new List<int>();
            var consumer = Task.Factory.StartNew(() => ConsumeUntil(fixture, topic, consumed, attacking.Token), TaskCreationOptions.LongRunning);

            var produced = 0;
            var attacked = attack(broker, apis);
            using (var producer = new ProducerBuilder<Null, string>(fixture.ProducerConfig()).Build())
            {
                // One message at a time, each acknowledged within the bound, for as long as the attack lasts.
                while (!attacked.IsCompleted || produced < 100)
                {
                    var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = produced.ToString(CultureInfo.InvariantCulture) }, TestContext.Current.CancellationToken)
                        .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
                    Assert.Equal(produced, result.Offset.Value);
                    produced++;
                }
            }

            var frames = await attacked.WaitAsync(TimeSpan.FromMinutes(5), TestContext.Current.CancellationToken);
            Assert.True(frames > 0);
            await Wait.UntilAsync(
                () =>
                {
                    lock (consumed)
                    {
                        return consumed.Count >= produced;
                    }
                },
                $"the consumer to get all {produced} messages");
            await attacking.CancelAsync();
            await consumer.WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);

            var expected = Enumerable.Range(0, produced).ToList();
            lock (consumed)
            {
                Assert.Equal(expected, consumed);
            }

            var stored = KafkaTestClients.Consume(fixture, topic, partitions: 1, count: produced);
            Assert.Equal(expected, stored.Select(r => int.Parse(System.Text.Encoding.UTF8.GetString(r.Message.Value!), CultureInfo.InvariantCulture)));
            Assert.Equal(SensorAspire.EmbeddedKafka.Protocol.ErrorCode.None, (await ApiVersionsAsync(broker)).ErrorCode);
        }
        finally
        {
            // Parked requests from the attack must not hold up shutdown.
            await fixture.DisposeAsync().AsTask().WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        }

        var found = faults.Faults;
        Assert.True(found.Count == 0, $"{found.Count} broker faults, the first: {found.FirstOrDefault()}");
        Assert.True(faults.Warnings > 0, "no malformed frame reached the broker's parser");
    }

    private static void ConsumeUntil(BrokerFixture fixture, string topic, List<int> consumed, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(fixture.ConsumerConfig()).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        while (!stop.IsCancellationRequested)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
            {
                lock (consumed)
                {
                    consumed.Add(int.Parse(result.Message.Value, CultureInfo.InvariantCulture));
                }
            }
        }

        consumer.Close();
    }

    /// <summary>Random bytes, truncated frames, lying size prefixes, unknown keys and versions, and garbage bodies for every API version.</summary>
    private static IEnumerable<byte[]> HostileCases(List<(short Key, short Version)> apis)
    {
        var random = new Random(42);
        for (var i = 0; i < 16; i++)
        {
            var bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
            yield return bytes;
        }

        var valid = ApiVersionsFrame(1);
        for (var cut = 1; cut < valid.Length; cut += 3)
        {
            yield return valid[..cut];
        }

        foreach (var size in new[] { -1, -2, int.MinValue, 0, 3, 7, int.MaxValue, 100 * 1024 * 1024 + 1, 100 * 1024 * 1024 })
        {
            yield return [.. BigEndian(size), .. valid.AsSpan(4)];
        }

        foreach (var (key, version) in new (short, short)[] { (999, 0), (-1, 0), (short.MaxValue, 1), (17, 1), (24, 0), (0, 99), (3, -1), (1, 3), (short.MinValue, short.MinValue) })
        {
            yield return Frame(key, version, headerVersion: 1, []);
        }

        foreach (var (key, version) in apis)
        {
            foreach (var length in new[] { 0, 1, 5, 64, 700 })
            {
                var body = new byte[length];
                random.NextBytes(body);
                yield return Frame(key, version, ApiMessageCatalog.RequestHeaderVersion(key, version), body);
            }
        }
    }

    private static byte[] Frame(short key, short version, short headerVersion, byte[] body)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt32(0);
        new RequestHeader { RequestApiKey = key, RequestApiVersion = version, CorrelationId = 7, ClientId = "hostile" }.Write(writer, Math.Max((short)1, headerVersion));
        writer.WriteRaw(body);
        writer.PatchInt32(0, writer.Position - 4);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] ApiVersionsFrame(int correlationId)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt32(0);
        new RequestHeader { RequestApiKey = ApiMessageCatalog.ApiVersions, RequestApiVersion = 3, CorrelationId = correlationId, ClientId = "fuzz" }
            .Write(writer, ApiMessageCatalog.RequestHeaderVersion(ApiMessageCatalog.ApiVersions, 3));
        new ApiVersionsRequest { ClientSoftwareName = "fuzz", ClientSoftwareVersion = "1" }.Write(writer, 3);
        writer.PatchInt32(0, writer.Position - 4);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] BigEndian(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    /// <summary>
    /// Sends the bytes on a new connection, half-closes it and reads until the broker closes it. A request the fuzz
    /// made park (a long Fetch wait) is left after <see cref="s_drainBound"/>: the broker owes it nothing sooner.
    /// </summary>
    private static async Task SendAndDrainAsync(EmbeddedKafkaBroker broker, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", broker.Port, TestContext.Current.CancellationToken);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(s_drainBound);
        try
        {
            await socket.SendAsync(bytes, bound.Token);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            while (await socket.ReceiveAsync(buffer, bound.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException || ex is OperationCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            // Reset by the broker, or parked past the bound.
        }
    }

    private static async Task<List<(short Key, short Version)>> SupportedApisAsync(EmbeddedKafkaBroker broker)
    {
        var response = await ApiVersionsAsync(broker);
        return [.. response.ApiKeys.SelectMany(k => Enumerable.Range(k.MinVersion, k.MaxVersion - k.MinVersion + 1).Select(v => (k.ApiKey, (short)v)))];
    }

    private static async Task<ApiVersionsResponse> ApiVersionsAsync(EmbeddedKafkaBroker broker)
    {
        await using var client = await RawKafkaClient.ConnectAsync(broker);
        return await client.RoundTripAsync<ApiVersionsResponse>(ApiMessageCatalog.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "raw", ClientSoftwareVersion = "1" });
    }
}
