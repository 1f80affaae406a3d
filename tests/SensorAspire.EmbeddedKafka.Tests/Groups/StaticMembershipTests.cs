using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Tests.Network;

namespace SensorAspire.EmbeddedKafka.Tests.Groups;

/// <summary>
/// Static group membership (KIP-345, <c>group.instance.id</c>) through the real Confluent.Kafka client: a consumer
/// that restarts with its instance id takes its place back without a rebalance and without waiting for its session to
/// time out, and the member it replaced is fenced.
/// </summary>
public sealed class StaticMembershipTests(BrokerFixture fixture)
{
    /// <summary>
    /// librdkafka's default session timeout, longer than every wait in these tests (<see cref="Wait.DefaultTimeout"/>):
    /// a rejoin that had to wait for the old member's session to expire would fail the test instead of passing slowly.
    /// </summary>
    private const int SessionTimeoutMs = 45_000;

    /// <summary>A new group's first (static members: only) join phase forms generation 1; no later one happens here.</summary>
    private const int FirstGeneration = 1;

    [Fact]
    public async Task RestartedStaticConsumersGetTheirPartitionsBackWithoutARebalanceOrWaitingForTheirSession()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await GroupTestData.CreateTopicAsync(fixture, "static-restart", partitions: 4);
        using var observed = new ObservedGroup();
        var expected = new HashSet<string>(await GroupTestData.ProduceAsync(fixture, topic, "first", 200));
        await using var group = new ConsumerGroupRunner(Config(topic), topic, observed, staticMembers: true);
        group.Start("c1");
        group.Start("c2");
        await observed.WaitUntilAsync(
            state => state.Assignments.Count == 2 && state.Assignments.Values.All(parts => parts.Count == 2) && state.ProcessedCount >= expected.Count,
            "two static members with two partitions each, the first messages processed");
        var partitions = observed.Read(state => state.Assignments.ToDictionary(entry => entry.Key, entry => entry.Value.Order().ToList()));
        var restarts = new List<(string Member, IReadOnlyList<int> Regained, int OtherEventsBefore, int OtherEventsAfter)>();

        // Each member in turn (one of them leads the group): a static member's Close() sends no LeaveGroup (KIP-345),
        // so to the broker this is a crash, and the member stays with its old id until its 45 s session would expire.
        // Meanwhile more messages arrive on its partitions.
        foreach (var (member, other) in new[] { ("c2", "c1"), ("c1", "c2") })
        {
            var otherEvents = observed.Read(state => state.Rebalances.Count(e => e.Consumer == other));
            await group.StopAsync(member).WaitAsync(Wait.DefaultTimeout, ct);
            expected.UnionWith(await GroupTestData.ProduceAsync(fixture, topic, $"after-{member}-stopped", 200));
            group.Start(member);
            await observed.WaitUntilAsync(
                state => state.Assignments.GetValueOrDefault(member)?.Count == 2 && state.Unique.Count >= expected.Count,
                $"the restarted {member} with its partitions, every message processed");
            restarts.Add(observed.Read(state => (
                member,
                state.Rebalances.Last(e => e.Consumer == member && e.Assigned).Partitions,
                otherEvents,
                state.Rebalances.Count(e => e.Consumer == other))));
        }

        using var admin = new AdminClientBuilder(fixture.AdminConfig()).Build();
        var described = Assert.Single((await admin.DescribeConsumerGroupsAsync([topic]).WaitAsync(Wait.DefaultTimeout, ct)).ConsumerGroupDescriptions);
        await group.DisposeAsync();

        // The member that kept running saw no revocation or assignment: nothing rebalanced.
        Assert.All(restarts, restart => Assert.Equal(partitions[restart.Member], restart.Regained));
        Assert.All(restarts, restart => Assert.Equal(restart.OtherEventsBefore, restart.OtherEventsAfter));
        Assert.Equal(["c1", "c2"], described.Members.Select(member => member.GroupInstanceId).Order());
        Assert.Equal(expected.Order(), observed.Read(state => state.Unique.Order().ToList()));
        Assert.Equal(expected.Count, observed.Read(state => state.ProcessedCount));
    }

    [Fact]
    public async Task ConsumerWhoseInstanceIdIsTakenOverIsFencedAndTheNewMemberGetsItsAssignment()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await GroupTestData.CreateTopicAsync(fixture, "static-fenced", partitions: 2);
        var assigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fatal = new TaskCompletionSource<Error>(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = Config(topic);
        config.GroupInstanceId = "taken";
        using var consumer = new ConsumerBuilder<string, string>(config)
            .SetPartitionsAssignedHandler((_, _) => assigned.TrySetResult())
            .Build();
        consumer.Subscribe(topic);
        Wait.Drive(() => Step(consumer, assigned.Task, fatal), "the consumer's assignment");
        var oldMemberId = consumer.MemberId;
        await using var raw = await RawKafkaClient.ConnectAsync(fixture.Broker);

        // Another process starts with the same instance id: it joins without a member id and takes the place over.
        var joined = await raw.RoundTripAsync<JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 5, new JoinGroupRequest
        {
            GroupId = topic,
            GroupInstanceId = "taken",
            SessionTimeoutMs = SessionTimeoutMs,
            RebalanceTimeoutMs = 60_000,
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = GroupTestData.Subscription(topic) }],
        });
        var synced = await raw.RoundTripAsync<SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 3, new SyncGroupRequest
        {
            GroupId = topic,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            GroupInstanceId = "taken",
        });
        Wait.Drive(() => Step(consumer, fatal.Task, fatal), "the old consumer's fatal error");
        var error = await fatal.Task;
        var staleCommit = await raw.RoundTripAsync<OffsetCommitResponse>(ApiMessageCatalog.OffsetCommit, 7, new OffsetCommitRequest
        {
            GroupId = topic,
            GenerationIdOrMemberEpoch = FirstGeneration,
            MemberId = oldMemberId,
            GroupInstanceId = "taken",
            Topics = [new() { Name = topic, Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] }],
        });
        var newMemberHeartbeat = await raw.RoundTripAsync<HeartbeatResponse>(ApiMessageCatalog.Heartbeat, 3, new HeartbeatRequest
        {
            GroupId = topic,
            GenerationId = FirstGeneration,
            MemberId = joined.MemberId,
            GroupInstanceId = "taken",
        });

        Assert.Equal(KafkaErrorCode.None, joined.ErrorCode);
        Assert.NotEqual(oldMemberId, joined.MemberId);
        Assert.StartsWith("taken-", joined.MemberId, StringComparison.Ordinal);
        Assert.Equal(FirstGeneration, joined.GenerationId);
        Assert.Equal(oldMemberId, joined.Leader);
        Assert.Equal(KafkaErrorCode.None, synced.ErrorCode);
        Assert.Equal([0, 1], AssignedPartitions(synced.Assignment, topic));
        Assert.Equal(ErrorCode.FencedInstanceId, error.Code);
        Assert.Equal(KafkaErrorCode.FencedInstanceId, Assert.Single(Assert.Single(staleCommit.Topics).Partitions).ErrorCode);
        Assert.Equal(KafkaErrorCode.None, newMemberHeartbeat.ErrorCode);
    }

    private ConsumerConfig Config(string groupId) => new()
    {
        BootstrapServers = fixture.BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = SessionTimeoutMs,
        HeartbeatIntervalMs = 250,
        FetchWaitMaxMs = 100,
    };

    /// <summary>
    /// One short poll. librdkafka reports a fatal error (such as being fenced) once, as a ConsumeException from the
    /// next Consume, which goes to <paramref name="fatal"/>.
    /// </summary>
    private static bool Step(IConsumer<string, string> consumer, Task until, TaskCompletionSource<Error>? fatal = null)
    {
        try
        {
            consumer.Consume(TimeSpan.FromMilliseconds(100));
        }
        catch (ConsumeException ex) when (ex.Error.IsFatal)
        {
            fatal?.TrySetResult(ex.Error);
        }

        return until.IsCompleted;
    }

    private static int[] AssignedPartitions(byte[] assignment, string topic)
    {
        var reader = new KafkaReader(assignment);
        var version = reader.ReadInt16();
        var decoded = new ConsumerProtocolAssignment();
        decoded.Read(reader, version);
        return [.. Assert.Single(decoded.AssignedPartitions, partition => partition.Topic == topic).Partitions.Order()];
    }
}
