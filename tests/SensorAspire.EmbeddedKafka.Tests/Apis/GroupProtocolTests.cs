using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Tests.Groups;
using SensorAspire.EmbeddedKafka.Tests.Network;

namespace SensorAspire.EmbeddedKafka.Tests.Apis;

/// <summary>
/// Group APIs on the wire at versions real clients skip (v0, the gates old librdkafka checks for; LeaveGroup v3+,
/// which admin tools use) and members that vanish without LeaveGroup (a static member always does, KIP-345).
/// </summary>
public sealed class GroupProtocolTests(BrokerFixture fixture)
{
    [Fact]
    public async Task GroupLifecycleWorksAtTheOldestVersions()
    {
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-v0", partitions: 2);
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);
        var subscription = GroupTestData.Subscription(topic);
        var assignment = GroupTestData.Assignment(topic, 0, 1);

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

        Assert.Equal((KafkaErrorCode.None, BrokerState.NodeId, fixture.Broker.Port), (coordinator.ErrorCode, coordinator.NodeId, coordinator.Port));
        Assert.Equal((KafkaErrorCode.None, 1, "range"), (joined.ErrorCode, joined.GenerationId, joined.ProtocolName));
        Assert.Equal(joined.MemberId, joined.Leader);
        Assert.Equal(subscription, Assert.Single(joined.Members).Metadata);
        Assert.Equal(KafkaErrorCode.None, synced.ErrorCode);
        Assert.Equal(assignment, synced.Assignment);
        Assert.Equal(KafkaErrorCode.None, heartbeat.ErrorCode);
        Assert.Equal([KafkaErrorCode.None, KafkaErrorCode.UnknownTopicOrPartition], Assert.Single(committed.Topics).Partitions.Select(p => p.ErrorCode));
        Assert.Equal(KafkaErrorCode.UnknownMemberId, Assert.Single(Assert.Single(simpleWhileActive.Topics).Partitions).ErrorCode);
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
        Assert.Equal(KafkaErrorCode.None, left.ErrorCode);
        Assert.Equal("Empty", Assert.Single(afterLeave.Groups).GroupState);
    }

    [Fact]
    public async Task TransactionCoordinatorIsNotAvailable()
    {
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);

        var response = await client.RoundTripAsync<FindCoordinatorResponse>(ApiMessageCatalog.FindCoordinator, 1, new FindCoordinatorRequest { Key = "tx", KeyType = 1 });

        Assert.Equal(KafkaErrorCode.CoordinatorNotAvailable, response.ErrorCode);
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
            Protocols = [new() { Name = "range", Metadata = GroupTestData.Subscription(topic) }],
        });
        await silent.RoundTripAsync<SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 0, new SyncGroupRequest
        {
            GroupId = topic,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            Assignments = [new() { MemberId = joined.MemberId, Assignment = GroupTestData.Assignment(topic, 0, 1) }],
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
        Wait.Drive(
            () =>
            {
                consumer.Consume(TimeSpan.FromMilliseconds(100));
                return assigned.Task.IsCompleted;
            },
            "the newcomer's assignment");

        var partitions = await assigned.Task;
        var heartbeat = await silent.RoundTripAsync<HeartbeatResponse>(ApiMessageCatalog.Heartbeat, 0, new HeartbeatRequest
        {
            GroupId = topic,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
        });
        consumer.Close();

        Assert.Equal([0, 1], partitions.Select(tp => tp.Partition.Value).Order());
        Assert.Equal(KafkaErrorCode.UnknownMemberId, heartbeat.ErrorCode);
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
            Protocols = [new() { Name = "range", Metadata = GroupTestData.Subscription("t") }],
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

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task LeaveGroupRemovesStaticMembersByInstanceIdInOneBatch(short version)
    {
        var topic = await GroupTestData.CreateTopicAsync(fixture, $"group-leave-v{version}", partitions: 2);
        await using var a = await RawKafkaClient.ConnectAsync(fixture.Broker);
        await using var b = await RawKafkaClient.ConnectAsync(fixture.Broker);
        var first = await a.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 5, StaticJoin(topic, "a"));
        await a.RoundTripAsync<SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 3, StaticSync(topic, first, "a"));

        // b's join parks until a rejoins; a learns of the rebalance from its heartbeat, as a real member does.
        await b.SendAsync(ApiMessageCatalog.JoinGroup, 5, StaticJoin(topic, "b"));
        await Wait.ForAsync(
            async _ => await StaticHeartbeatAsync(a, topic, first, "a") == KafkaErrorCode.RebalanceInProgress ? "rebalancing" : null,
            "the rebalance b's join starts");
        var aJoined = await a.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 5, StaticJoin(topic, "a", first.MemberId));
        var (_, body) = await b.ReceiveAsync(ApiMessageCatalog.JoinGroup, 5);
        var bJoined = new JoinGroupResponse();
        bJoined.Read(body, 5);
        await a.RoundTripAsync<SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 3, StaticSync(topic, aJoined, "a"));
        await b.RoundTripAsync<SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 3, StaticSync(topic, bJoined, "b"));
        var described = await a.RoundTripAsync<DescribeGroupsResponse>(ApiMessageCatalog.DescribeGroups, 4, new DescribeGroupsRequest { Groups = [topic] });

        var left = await a.RoundTripAsync<LeaveGroupResponse>(ApiMessageCatalog.LeaveGroup, version, new LeaveGroupRequest
        {
            GroupId = topic,
            Members =
            [
                new() { MemberId = "", GroupInstanceId = "a", Reason = "removed by an admin" },
                new() { MemberId = "a-stale-member-id", GroupInstanceId = "b" },
                new() { MemberId = bJoined.MemberId, GroupInstanceId = "b" },
                new() { MemberId = "", GroupInstanceId = "ghost" },
            ],
        });
        var afterLeave = await a.RoundTripAsync<DescribeGroupsResponse>(ApiMessageCatalog.DescribeGroups, 4, new DescribeGroupsRequest { Groups = [topic] });

        Assert.Equal(
            [(aJoined.MemberId, "a"), (bJoined.MemberId, "b")],
            Assert.Single(described.Groups).Members.Select(member => (member.MemberId, member.GroupInstanceId)));
        Assert.Equal(KafkaErrorCode.None, left.ErrorCode);
        Assert.Equal(
            [
                ("", "a", KafkaErrorCode.None),
                ("a-stale-member-id", "b", KafkaErrorCode.FencedInstanceId),
                (bJoined.MemberId, "b", KafkaErrorCode.None),
                ("", "ghost", KafkaErrorCode.UnknownMemberId),
            ],
            left.Members.Select(member => (member.MemberId, member.GroupInstanceId, member.ErrorCode)));
        var group = Assert.Single(afterLeave.Groups);
        Assert.Equal("Empty", group.GroupState);
        Assert.Empty(group.Members);
    }

    [Fact]
    public async Task StaticMemberThatGoesSilentIsRemovedWhenItsSessionTimesOut()
    {
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-static-silent", partitions: 1);
        await using var client = await RawKafkaClient.ConnectAsync(fixture.Broker);

        // A static member sends no LeaveGroup when it closes; its 500 ms session is what ends its membership.
        var joined = await client.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 5, StaticJoin(topic, "quiet", sessionTimeoutMs: 500));
        await client.RoundTripAsync<SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 3, StaticSync(topic, joined, "quiet"));
        var empty = await Wait.ForAsync(
            async _ =>
            {
                var described = await client.RoundTripAsync<DescribeGroupsResponse>(ApiMessageCatalog.DescribeGroups, 4, new DescribeGroupsRequest { Groups = [topic] });
                return Assert.Single(described.Groups) is { GroupState: "Empty" } group ? group : null;
            },
            "the silent static member's session to expire");
        var heartbeat = await StaticHeartbeatAsync(client, topic, joined, "quiet");
        var returning = await client.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 5, StaticJoin(topic, "quiet"));

        Assert.Empty(empty.Members);
        Assert.Equal(KafkaErrorCode.UnknownMemberId, heartbeat);
        Assert.Equal(KafkaErrorCode.None, returning.ErrorCode);
        Assert.True(returning.GenerationId > joined.GenerationId, $"generation {returning.GenerationId} after {joined.GenerationId}");
        Assert.Equal(returning.MemberId, Assert.Single(returning.Members).MemberId);
    }

    /// <summary>JoinGroup v5 of a static member; an empty member id is a (re)start.</summary>
    private static JoinGroupRequest StaticJoin(string topic, string instanceId, string memberId = "", int sessionTimeoutMs = 30_000) => new()
    {
        GroupId = topic,
        MemberId = memberId,
        GroupInstanceId = instanceId,
        SessionTimeoutMs = sessionTimeoutMs,
        RebalanceTimeoutMs = 60_000,
        ProtocolType = "consumer",
        Protocols = [new() { Name = "range", Metadata = GroupTestData.Subscription(topic) }],
    };

    /// <summary>SyncGroup v3; a leader (its JoinGroup answer lists the members) assigns every partition to itself.</summary>
    private static SyncGroupRequest StaticSync(string topic, JoinGroupResponse joined, string instanceId) => new()
    {
        GroupId = topic,
        GenerationId = joined.GenerationId,
        MemberId = joined.MemberId,
        GroupInstanceId = instanceId,
        Assignments = joined.Leader == joined.MemberId
            ? [new() { MemberId = joined.MemberId, Assignment = GroupTestData.Assignment(topic, 0, 1) }]
            : [],
    };

    private static async Task<KafkaErrorCode> StaticHeartbeatAsync(RawKafkaClient client, string topic, JoinGroupResponse joined, string instanceId) =>
        (await client.RoundTripAsync<HeartbeatResponse>(ApiMessageCatalog.Heartbeat, 3, new HeartbeatRequest
        {
            GroupId = topic,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            GroupInstanceId = instanceId,
        })).ErrorCode;
}
