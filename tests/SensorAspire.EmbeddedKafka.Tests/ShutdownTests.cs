using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task DisposeAnswersParkedFetchesAndCompletes()
    {
        var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions(), TestContext.Current.CancellationToken);
        await using var client = await RawKafkaClient.ConnectAsync(broker);
        var parked = await ParkFetchAsync(broker, client, "shutdown");

        // The Fetch waits up to a minute; disposing must not wait for it.
        await broker.DisposeAsync().AsTask().WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var outcome = await Record.ExceptionAsync(() => parked.WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken));

        // The client gets either the (empty) answer or the closed connection, and it gets it now.
        Assert.True(outcome is null or EndOfStreamException or IOException, outcome?.ToString());
    }

    [Fact]
    public async Task DeletingATopicAnswersFetchesParkedOnIt()
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions(), TestContext.Current.CancellationToken);
        await using var client = await RawKafkaClient.ConnectAsync(broker);
        await using var admin = await RawKafkaClient.ConnectAsync(broker);
        var parked = await ParkFetchAsync(broker, client, "deleted");

        var deleted = await admin.RoundTripAsync<DeleteTopicsResponse>(ApiMessageCatalog.DeleteTopics, 4, new DeleteTopicsRequest { TopicNames = ["deleted"], TimeoutMs = 5000 });
        Assert.Equal(ErrorCode.None, deleted.Responses.Single().ErrorCode);
        var (_, body) = await parked.WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var response = new FetchResponse();
        response.Read(body, 12);

        Assert.Equal(ErrorCode.UnknownTopicOrPartition, response.Responses[0].Partitions[0].ErrorCode);
    }

    /// <summary>Sends a Fetch with a one-minute MaxWait on an empty topic and returns once the broker has it.</summary>
    private static async Task<Task<(int CorrelationId, KafkaReader Body)>> ParkFetchAsync(EmbeddedKafkaBroker broker, RawKafkaClient client, string topic)
    {
        await client.RoundTripAsync<CreateTopicsResponse>(ApiMessageCatalog.CreateTopics, 4, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }],
        });
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.RequestObserver = info =>
        {
            if (info.ApiKey == ApiMessageCatalog.Fetch)
            {
                received.TrySetResult();
            }
        };
        await client.SendAsync(ApiMessageCatalog.Fetch, 12, new FetchRequest
        {
            ReplicaId = -1,
            MaxWaitMs = 60_000,
            MinBytes = 1,
            SessionEpoch = -1,
            Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }],
        });
        await received.Task.WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        return client.ReceiveAsync(ApiMessageCatalog.Fetch, 12);
    }
}
