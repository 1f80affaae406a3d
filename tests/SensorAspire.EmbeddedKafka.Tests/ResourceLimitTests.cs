using System.Buffers.Binary;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>
/// Tests that measure the process's allocations run alone (no other test allocating at the same time), so a
/// broker allocating what a size prefix claims would show up in the process-wide count.
/// </summary>
[CollectionDefinition(nameof(AllocationMeasuringCollection), DisableParallelization = true)]
public sealed class AllocationMeasuringCollection;

/// <summary>The connection cap and the request size limit.</summary>
[Collection(nameof(AllocationMeasuringCollection))]
public sealed class ResourceLimitTests
{
    [Fact]
    public async Task ConnectionsOverTheCapAreRefusedWhileOpenOnesKeepWorking()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { MaxConnections = 3 }, TestContext.Current.CancellationToken);
        var open = new List<RawKafkaClient>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                open.Add(await RawKafkaClient.ConnectAsync(broker));
                await AssertAnswersAsync(open[^1]);
            }

            Assert.True(await IsRefusedAsync(broker));
            Assert.Equal(3, broker.ConnectionCount);
            foreach (var client in open)
            {
                await AssertAnswersAsync(client);
            }

            // Closing one makes room for the next.
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            await Wait.UntilAsync(() => broker.ConnectionCount == 2, "two connections");
            await using var admitted = await RawKafkaClient.ConnectAsync(broker);
            await AssertAnswersAsync(admitted);
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task HugeSizePrefixesAllocateNothingLikeWhatTheyClaim()
    {
        const int Connections = 20;
        await using var broker = await EmbeddedKafkaBroker.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        // Half the clients claim the largest allowed frame (100 MiB) and send only its header; the other half claim int.MaxValue.
        var claimingMaximum = new List<RawKafkaClient>();
        for (var i = 0; i < Connections / 2; i++)
        {
            var client = await RawKafkaClient.ConnectAsync(broker);
            claimingMaximum.Add(client);
            await client.SendRawAsync(FrameHeader(broker.Options.MaxRequestBytes));
            await using var oversized = await RawKafkaClient.ConnectAsync(broker);
            await oversized.SendRawAsync(FrameHeader(int.MaxValue));
            Assert.True(await oversized.IsClosedByBrokerAsync());
        }

        await using (var other = await RawKafkaClient.ConnectAsync(broker))
        {
            await AssertAnswersAsync(other);
        }

        foreach (var client in claimingMaximum)
        {
            await client.DisposeAsync();
        }

        // Every connection has read all it was sent and ended: whatever the broker allocated for them is counted.
        await Wait.UntilAsync(() => broker.ConnectionCount == 0, "every connection to close");
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // Allocating the claims would be 10 x 100 MiB; reading what was really sent (a few bytes each) costs well under 32 MiB.
        Assert.True(allocated < 32L * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task FetchNamingAPartitionManyTimesIsCappedAtFetchMaxBytes()
    {
        const int FetchMaxBytes = 64 * 1024;
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { FetchMaxBytes = FetchMaxBytes }, TestContext.Current.CancellationToken);
        await using var client = await RawKafkaClient.ConnectAsync(broker);
        var topic = BrokerFixture.UniqueTopic("fetch-cap");
        var batch = TestBatches.Build(recordCount: 1, valueSize: 16 * 1024);
        Assert.Equal(ErrorCode.None, await client.ProduceToNewTopicAsync(topic, batch));

        // The same partition 100 times with no size limit of its own: uncapped, 1.6 MiB of copies.
        var partitions = Enumerable.Range(0, 100).Select(_ => new FetchRequest.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = int.MaxValue }).ToList();
        var response = await client.RoundTripAsync<FetchResponse>(ApiMessageCatalog.Fetch, 12, new FetchRequest
        {
            ReplicaId = -1,
            MaxBytes = int.MaxValue,
            SessionEpoch = -1,
            Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = partitions }],
        });

        var total = response.Responses[0].Partitions.Sum(p => p.Records?.Length ?? 0);
        Assert.InRange(total, FetchMaxBytes - batch.Length, FetchMaxBytes);
    }

    [Fact]
    public void ArrayCountsBeyondTheBytesLeftAreRejectedBeforeAllocating()
    {
        // Metadata v12 body: a compact topics array claiming 2^31 - 2 elements, then nothing.
        byte[] hugeCount = [0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        // Metadata v1 body: a classic topics array claiming 100,000 elements in 100,000 bytes that are not topics
        // (0xFEFE is a negative string length): presizing the list for the claim alone would take 800 KB.
        var bogusCount = new byte[4 + 100_000];
        bogusCount.AsSpan().Fill(0xFE);
        BinaryPrimitives.WriteInt32BigEndian(bogusCount, 100_000);
        var reader = new KafkaReader(hugeCount);
        var bogusReader = new KafkaReader(bogusCount);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<KafkaProtocolException>(() => new MetadataRequest().Read(reader, 12));
        Assert.Throws<KafkaProtocolException>(() => new MetadataRequest().Read(bogusReader, 1));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 64 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x1F })]   // fifth byte carries more than the top 4 bits
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 })]   // longer than 5 bytes
    public void OverlongVarintsAreRejected(byte[] bytes)
    {
        Assert.Throws<KafkaProtocolException>(() => new KafkaReader(bytes).ReadUnsignedVarint());
    }

    [Fact]
    public void LengthsBelowMinusOneAreRejected()
    {
        byte[] int16Length = [0xFF, 0xFE, (byte)'a'];
        byte[] int32ArrayLength = [0xFF, 0xFF, 0xFF, 0xFE];

        Assert.Throws<KafkaProtocolException>(() => new KafkaReader(int16Length).ReadString(compact: false));
        Assert.Throws<KafkaProtocolException>(() => new KafkaReader(int32ArrayLength).ReadArrayLength(compact: false));
    }

    /// <summary>True when the broker resets a new connection (the reset may already fail the connect).</summary>
    private static async Task<bool> IsRefusedAsync(EmbeddedKafkaBroker broker)
    {
        try
        {
            await using var client = await RawKafkaClient.ConnectAsync(broker);
            return await client.IsClosedByBrokerAsync();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return true;
        }
    }

    /// <summary>A size prefix and a valid Metadata v12 request header, without the body the size promises.</summary>
    private static byte[] FrameHeader(int claimedSize)
    {
        var bytes = new byte[4 + 2 + 2 + 4 + 2 + 1];
        BinaryPrimitives.WriteInt32BigEndian(bytes, claimedSize);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(4), ApiMessageCatalog.Metadata);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(6), 12);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), 1);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(12), -1);
        return bytes;
    }

    private static async Task AssertAnswersAsync(RawKafkaClient client)
    {
        var response = await client.RoundTripAsync<ApiVersionsResponse>(ApiMessageCatalog.ApiVersions, 3, new ApiVersionsRequest { ClientSoftwareName = "raw", ClientSoftwareVersion = "1" });
        Assert.Equal(ErrorCode.None, response.ErrorCode);
    }
}
