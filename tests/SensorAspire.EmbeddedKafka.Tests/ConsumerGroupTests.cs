using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>
/// Classic consumer groups through the real Confluent.Kafka client: rebalancing on join and leave, commits,
/// resuming from committed offsets, and the AdminClient's group calls. Topics and groups are unique per test.
/// </summary>
public sealed class ConsumerGroupTests(BrokerFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PartitionsOfALeavingMemberMoveToTheOthersWithNoMessageLostOrProcessedTwice()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-leave", partitions: 6);
        var observed = new ObservedGroup();
        var expected = new HashSet<string>(await GroupTestData.ProduceAsync(fixture, topic, "first", 300));
        await using var group = new ConsumerGroupRunner(Config(topic), topic, observed);

        // Three members over six partitions: two each once the group has settled.
        group.Start("c1");
        group.Start("c2");
        group.Start("c3");
        await observed.WaitUntilAsync(state => state.Assignments.Count == 3 && state.Assignments.Values.All(parts => parts.Count == 2))
            .WaitAsync(s_timeout, ct);
        await observed.WaitUntilAsync(state => state.ProcessedCount >= expected.Count).WaitAsync(s_timeout, ct);
        var leaverPartitions = observed.Read(state => state.Assignments["c3"].ToList());

        // Produce while c3 closes, so some of its messages are still unread when its partitions move.
        expected.UnionWith(await GroupTestData.ProduceAsync(fixture, topic, "second", 300));
        await group.StopAsync("c3").WaitAsync(s_timeout, ct);
        await observed.WaitUntilAsync(state =>
                state.Assignments.Count == 2 && state.Assignments.Values.Sum(parts => parts.Count) == 6 && state.Assignments.Values.All(parts => parts.Count == 3))
            .WaitAsync(s_timeout, ct);
        expected.UnionWith(await GroupTestData.ProduceAsync(fixture, topic, "third", 300));
        await observed.WaitUntilAsync(state => state.Unique.Count >= expected.Count).WaitAsync(s_timeout, ct);
        await group.DisposeAsync();

        Assert.Equal(expected.Order(), observed.Read(state => state.Unique.Order().ToList()));
        Assert.Equal(expected.Count, observed.Read(state => state.ProcessedCount));
        Assert.All(leaverPartitions, partition =>
            Assert.Contains(observed.Read(state => state.Processed), message =>
                message.Partition == partition && message.Consumer != "c3" && message.Value.StartsWith("third", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CooperativeStickyMembersShareTheTopicWithNoMessageLostOrProcessedTwice()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-cooperative", partitions: 4);
        var observed = new ObservedGroup();
        var expected = new HashSet<string>(await GroupTestData.ProduceAsync(fixture, topic, "first", 200));
        var config = Config(topic);
        config.PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky;
        await using var group = new ConsumerGroupRunner(config, topic, observed);

        // With incremental rebalancing c1 keeps consuming while c2 joins, and a commit it sends while its own
        // JoinGroup is in flight fails with ILLEGAL_GENERATION, exactly as on Kafka. So the group is quiet (everything
        // processed and committed) when c2 joins; the exactly-once check under traffic is the eager test above.
        group.Start("c1");
        await observed.WaitUntilAsync(state => state.Assignments.GetValueOrDefault("c1")?.Count == 4 && state.CommittedCount >= expected.Count)
            .WaitAsync(s_timeout, ct);
        group.Start("c2");
        await observed.WaitUntilAsync(state => state.Assignments.Count == 2 && state.Assignments.Values.All(parts => parts.Count == 2))
            .WaitAsync(s_timeout, ct);
        expected.UnionWith(await GroupTestData.ProduceAsync(fixture, topic, "second", 200));
        await observed.WaitUntilAsync(state => state.Unique.Count >= expected.Count).WaitAsync(s_timeout, ct);
        await group.DisposeAsync();

        Assert.Equal(expected.Order(), observed.Read(state => state.Unique.Order().ToList()));
        Assert.Equal(expected.Count, observed.Read(state => state.ProcessedCount));
        Assert.Contains(observed.Read(state => state.Processed), message => message.Consumer == "c2");
    }

    [Fact]
    public async Task RestartedConsumerResumesFromItsCommittedOffset()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-resume", partitions: 1);
        var values = await GroupTestData.ProduceAsync(fixture, topic, "m", 10);
        var config = Config(topic);

        using (var first = new ConsumerBuilder<string, string>(config).Build())
        {
            first.Subscribe(topic);
            for (var i = 0; i < 4; i++)
            {
                var result = GroupTestData.ConsumeOne(first);
                Assert.Equal(values[i], result.Message.Value);
                first.Commit(result);
            }

            first.Close();
        }

        using var second = new ConsumerBuilder<string, string>(config).Build();
        second.Subscribe(topic);
        var resumed = GroupTestData.ConsumeOne(second);
        second.Close();

        Assert.Equal(4, resumed.Offset.Value);
        Assert.Equal(values[4], resumed.Message.Value);
    }

    [Fact]
    public async Task AdminClientListsAndDescribesConsumerGroupsAndTheirOffsets()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-admin", partitions: 2);
        var (activeGroup, simpleGroup) = (topic, topic + "-simple");
        await GroupTestData.ProduceAsync(fixture, topic, "m", 4);
        var assigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = Config(activeGroup);
        config.ClientId = "admin-test-consumer";
        using var consumer = new ConsumerBuilder<string, string>(config)
            .SetPartitionsAssignedHandler((_, _) => assigned.TrySetResult())
            .Build();
        consumer.Subscribe(topic);
        var consumed = GroupTestData.ConsumeOne(consumer);
        consumer.Commit(consumed);
        await assigned.Task.WaitAsync(s_timeout, ct);
        using var admin = new AdminClientBuilder(fixture.AdminConfig()).Build();
        var simplePartition = new TopicPartition(topic, 1);

        // AlterConsumerGroupOffsets is a "simple" commit (generation -1) that creates an Empty group.
        await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(simpleGroup, [new(simplePartition, 3)])]).WaitAsync(s_timeout, ct);
        var listed = await admin.ListConsumerGroupsAsync().WaitAsync(s_timeout, ct);
        var onlyEmpty = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { MatchStates = [ConsumerGroupState.Empty] }).WaitAsync(s_timeout, ct);
        var described = Assert.Single((await admin.DescribeConsumerGroupsAsync([activeGroup]).WaitAsync(s_timeout, ct)).ConsumerGroupDescriptions);
        var activeOffsets = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(activeGroup, [consumed.TopicPartition])]).WaitAsync(s_timeout, ct));
        var simpleOffsets = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(simpleGroup, null)]).WaitAsync(s_timeout, ct));
        consumer.Close();

        var active = Assert.Single(listed.Valid, group => group.GroupId == activeGroup);
        Assert.Equal(ConsumerGroupState.Stable, active.State);
        Assert.False(active.IsSimpleConsumerGroup);
        var simple = Assert.Single(onlyEmpty.Valid, group => group.GroupId == simpleGroup);
        Assert.True(simple.IsSimpleConsumerGroup);
        Assert.DoesNotContain(onlyEmpty.Valid, group => group.GroupId == activeGroup);
        Assert.Equal(ConsumerGroupState.Stable, described.State);
        Assert.Equal("range", described.PartitionAssignor);
        var member = Assert.Single(described.Members);
        Assert.Equal("admin-test-consumer", member.ClientId);
        Assert.Equal("/127.0.0.1", member.Host);
        Assert.Equal([new TopicPartition(topic, 0), new TopicPartition(topic, 1)], member.Assignment.TopicPartitions.OrderBy(tp => tp.Partition.Value));
        Assert.Equal(consumed.Offset.Value + 1, Assert.Single(activeOffsets.Partitions).Offset.Value);
        var simpleOffset = Assert.Single(simpleOffsets.Partitions);
        Assert.Equal(simplePartition, simpleOffset.TopicPartition);
        Assert.Equal(3, simpleOffset.Offset.Value);
    }

    [Fact]
    public async Task DeletingATopicDropsItsCommittedOffsets()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await GroupTestData.CreateTopicAsync(fixture, "group-delete", partitions: 1);
        var partition = new TopicPartition(topic, 0);
        using var admin = new AdminClientBuilder(fixture.AdminConfig()).Build();
        await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets(topic, [new(partition, 7)])]).WaitAsync(s_timeout, ct);
        var before = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(topic, [partition])]).WaitAsync(s_timeout, ct));

        await admin.DeleteTopicsAsync([topic]).WaitAsync(s_timeout, ct);
        await fixture.CreateTopicAsync(topic, partitions: 1);
        var after = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(topic, [partition])]).WaitAsync(s_timeout, ct));

        Assert.Equal(7, Assert.Single(before.Partitions).Offset.Value);
        Assert.Equal(Offset.Unset, Assert.Single(after.Partitions).Offset);
    }

    private ConsumerConfig Config(string groupId) => new()
    {
        BootstrapServers = fixture.BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,

        // Short timings so rebalances take milliseconds: the broker's minimum session timeout is configurable.
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 250,
        FetchWaitMaxMs = 100,
    };
}
