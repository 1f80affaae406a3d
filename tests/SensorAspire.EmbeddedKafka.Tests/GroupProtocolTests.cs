using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;
using ErrorCode = SensorAspire.EmbeddedKafka.Protocol.ErrorCode;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>
/// Group APIs on the wire at versions real clients skip (v0, the gates old librdkafka checks for) and a member that
/// vanishes without LeaveGroup, which a well-behaved client never does on purpose.
/// </summary>
public sealed class GroupProtocolTests(BrokerFixture fixture)
{
    [Fact]
    public async Task GroupLifecycleWorksAtTheOldestVersions()
    {
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-v0", partitions: 2);
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        var subscription = Subscription(topic);
        var assignment = Assignment(topic, 0, 1);

        var coordinator = await client.RoundTripAsync<FindCoordinatorResponse>(ApiMessageCatalog.FindCoordinator, 0, new FindCoordinatorRequest { Key = topic });
        var joined = await client.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 0, new JoinGroupRequest
        {
            GroupId = topic,
            SessionTimeoutMs = 10_000,
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = subscription }],
        });
        var synced = await client.RoundTripAsync<SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 0, new SyncGroupRequest
        {
            GroupId = topic,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            Assignments = [new() { MemberId = joined.MemberId, Assignment = assignment }],
        });
        var heartbeat = await client.RoundTripAsync<HeartbeatResponse>(ApiMessageCatalog.Heartbeat, 0, new HeartbeatRequest
        {
            GroupId = topic,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
        });
        var committed = await client.RoundTripAsync<OffsetCommitResponse>(ApiMessageCatalog.OffsetCommit, 2, new OffsetCommitRequest
        {
            GroupId = topic,
            GenerationIdOrMemberEpoch = joined.GenerationId,
            MemberId = joined.MemberId,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 5, CommittedMetadata = "käse" }, new() { PartitionIndex = 9, CommittedOffset = 1 }] }],
        });
        var simpleWhileActive = await client.RoundTripAsync<OffsetCommitResponse>(ApiMessageCatalog.OffsetCommit, 0, new OffsetCommitRequest
        {
            GroupId = topic,
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = 1, CommittedOffset = 1 }] }],
        });
        var fetched = await client.RoundTripAsync<OffsetFetchResponse>(ApiMessageCatalog.OffsetFetch, 1, new OffsetFetchRequest
        {
            GroupId = topic,
            Topics = [new() { Name = topic, PartitionIndexes = [0, 1] }],
        });
        var described = await client.RoundTripAsync<DescribeGroupsResponse>(ApiMessageCatalog.DescribeGroups, 0, new DescribeGroupsRequest { Groups = [topic] });
        var listed = await client.RoundTripAsync<ListGroupsResponse>(ApiMessageCatalog.ListGroups, 0, new ListGroupsRequest());
        var left = await client.RoundTripAsync<LeaveGroupResponse>(ApiMessageCatalog.LeaveGroup, 0, new LeaveGroupRequest { GroupId = topic, MemberId = joined.MemberId });
        var afterLeave = await client.RoundTripAsync<DescribeGroupsResponse>(ApiMessageCatalog.DescribeGroups, 0, new DescribeGroupsRequest { Groups = [topic] });

        Assert.Equal((ErrorCode.None, BrokerState.NodeId, fixture.Broker.Port), (coordinator.ErrorCode, coordinator.NodeId, coordinator.Port));
        Assert.Equal((ErrorCode.None, 1, "range"), (joined.ErrorCode, joined.GenerationId, joined.ProtocolName));
        Assert.Equal(joined.MemberId, joined.Leader);
        Assert.Equal(subscription, Assert.Single(joined.Members).Metadata);
        Assert.Equal(ErrorCode.None, synced.ErrorCode);
        Assert.Equal(assignment, synced.Assignment);
        Assert.Equal(ErrorCode.None, heartbeat.ErrorCode);
        Assert.Equal([ErrorCode.None, ErrorCode.UnknownTopicOrPartition], Assert.Single(committed.Topics).Partitions.Select(p => p.ErrorCode));
        Assert.Equal(ErrorCode.UnknownMemberId, Assert.Single(Assert.Single(simpleWhileActive.Topics).Partitions).ErrorCode);
        Assert.Equal(
            [(0, 5L, "käse"), (1, -1L, "")],
            Assert.Single(fetched.Topics).Partitions.Select(p => (p.PartitionIndex, p.CommittedOffset, p.Metadata)));
        var group = Assert.Single(described.Groups);
        Assert.Equal(("Stable", "consumer", "range"), (group.GroupState, group.ProtocolType, group.ProtocolData));
        var member = Assert.Single(group.Members);
        Assert.Equal(("raw-test", "/127.0.0.1"), (member.ClientId, member.ClientHost));
        Assert.Equal(subscription, member.MemberMetadata);
        Assert.Equal(assignment, member.MemberAssignment);
        Assert.Contains(listed.Groups, listed => listed.GroupId == topic && listed.ProtocolType == "consumer");
        Assert.Equal(ErrorCode.None, left.ErrorCode);
        Assert.Equal("Empty", Assert.Single(afterLeave.Groups).GroupState);
    }

    [Fact]
    public async Task TransactionCoordinatorIsNotAvailable()
    {
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);

        var response = await client.RoundTripAsync<FindCoordinatorResponse>(ApiMessageCatalog.FindCoordinator, 1, new FindCoordinatorRequest { Key = "tx", KeyType = 1 });

        Assert.Equal(ErrorCode.CoordinatorNotAvailable, response.ErrorCode);
    }

    [Fact]
    public async Task MemberThatStopsHeartbeatingIsRemovedAfterItsSessionTimeoutAndItsPartitionsMove()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-silent", partitions: 2);
        await using var silent = await RawKafkaClient.ConnectAsync(fixture.Broker);

        // A member with a 500 ms session but a 2-minute rebalance timeout that joins, syncs, and then goes quiet.
        var joined = await silent.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 1, new JoinGroupRequest
        {
            GroupId = topic,
            SessionTimeoutMs = 500,
            RebalanceTimeoutMs = 120_000,
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = Subscription(topic) }],
        });
        await silent.RoundTripAsync<SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 0, new SyncGroupRequest
        {
            GroupId = topic,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            Assignments = [new() { MemberId = joined.MemberId, Assignment = Assignment(topic, 0, 1) }],
        });
        var assigned = new TaskCompletionSource<List<TopicPartition>>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
            {
                BootstrapServers = fixture.BootstrapServers,
                GroupId = topic,
                SessionTimeoutMs = 6000,
                HeartbeatIntervalMs = 250,
            })
            .SetPartitionsAssignedHandler((_, partitions) => assigned.TrySetResult(partitions))
            .Build();

        // The newcomer's join waits for the silent member to rejoin, which it never does; only the expiry of its
        // session (not the 2-minute rebalance timeout, far beyond this test's wait) lets the join phase complete.
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        while (!assigned.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
        }

        var partitions = await assigned.Task.WaitAsync(TimeSpan.Zero, ct);
        var heartbeat = await silent.RoundTripAsync<HeartbeatResponse>(ApiMessageCatalog.Heartbeat, 0, new HeartbeatRequest
        {
            GroupId = topic,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
        });
        consumer.Close();

        Assert.Equal([0, 1], partitions.Select(tp => tp.Partition.Value).Order());
        Assert.Equal(ErrorCode.UnknownMemberId, heartbeat.ErrorCode);
    }

    [Fact]
    public async Task StoppingTheBrokerAnswersAJoinGroupParkedForARebalance()
    {
        var ct = TestContext.Current.CancellationToken;
        var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions(), ct);
        await using var first = await RawKafkaClient.ConnectAsync(broker);
        await using var second = await RawKafkaClient.ConnectAsync(broker);
        var join = new JoinGroupRequest
        {
            GroupId = "parked",
            SessionTimeoutMs = 30_000,
            RebalanceTimeoutMs = 60_000,
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = Subscription("t") }],
        };
        await first.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 1, join);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broker.RequestObserver = info =>
        {
            if (info.ApiKey == ApiMessageCatalog.JoinGroup)
            {
                received.TrySetResult();
            }
        };

        // The second join waits for the first member to rejoin (up to the one-minute rebalance timeout).
        await second.SendAsync(ApiMessageCatalog.JoinGroup, 1, join);
        await received.Task.WaitAsync(Wait.DefaultTimeout, ct);
        var parked = second.ReceiveAsync(ApiMessageCatalog.JoinGroup, 1);
        await broker.DisposeAsync().AsTask().WaitAsync(Wait.DefaultTimeout, ct);
        var outcome = await Record.ExceptionAsync(() => parked.WaitAsync(Wait.DefaultTimeout, ct));

        // The client gets an answer or the closed connection at once, never a minute later.
        Assert.True(outcome is null or EndOfStreamException or IOException, outcome?.ToString());
    }

    /// <summary>A consumer's JoinGroup metadata (ConsumerProtocolSubscription v0, with its int16 version prefix).</summary>
    private static byte[] Subscription(string topic)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt16(0);
        new ConsumerProtocolSubscription { Topics = [topic] }.Write(writer, 0);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A leader's assignment for one member (ConsumerProtocolAssignment v0, with its int16 version prefix).</summary>
    private static byte[] Assignment(string topic, params int[] partitions)
    {
        using var writer = new KafkaWriter();
        writer.WriteInt16(0);
        new ConsumerProtocolAssignment { AssignedPartitions = [new() { Topic = topic, Partitions = [.. partitions] }] }.Write(writer, 0);
        return writer.WrittenSpan.ToArray();
    }
}
