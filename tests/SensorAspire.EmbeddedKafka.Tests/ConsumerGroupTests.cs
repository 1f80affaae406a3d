using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>
/// Classic consumer groups through the real Confluent.Kafka client: rebalancing on join and leave, commits,
/// resuming from committed offsets, and the AdminClient's group calls. Each test gets its own broker.
/// </summary>
public sealed class ConsumerGroupTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private EmbeddedKafkaBroker _broker = null!;

    public async ValueTask InitializeAsync() =>
        _broker = await EmbeddedKafkaBroker.StartAsync(cancellationToken: TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => _broker.DisposeAsync();

    [Fact]
    public async Task PartitionsOfALeavingMemberMoveToTheOthersWithNoMessageLostOrProcessedTwice()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateTopicAsync("group-leave", partitions: 6);
        var observed = new ObservedGroup();
        var expected = new HashSet<string>(await ProduceAsync(topic, "first", 300));
        await using var group = new ConsumerGroupRunner(Config("group-leave"), topic, observed);

        // Three members over six partitions: two each once the group has settled.
        group.Start("c1");
        group.Start("c2");
        group.Start("c3");
        await observed.WaitUntilAsync(state => state.Assignments.Count == 3 && state.Assignments.Values.All(parts => parts.Count == 2))
            .WaitAsync(s_timeout, ct);
        await observed.WaitUntilAsync(state => state.ProcessedCount >= expected.Count).WaitAsync(s_timeout, ct);
        var leaverPartitions = observed.Read(state => state.Assignments["c3"].ToList());

        // Produce while c3 closes, so some of its messages are still unread when its partitions move.
        expected.UnionWith(await ProduceAsync(topic, "second", 300));
        await group.StopAsync("c3").WaitAsync(s_timeout, ct);
        await observed.WaitUntilAsync(state =>
                state.Assignments.Count == 2 && state.Assignments.Values.Sum(parts => parts.Count) == 6 && state.Assignments.Values.All(parts => parts.Count == 3))
            .WaitAsync(s_timeout, ct);
        expected.UnionWith(await ProduceAsync(topic, "third", 300));
        await observed.WaitUntilAsync(state => state.Unique.Count >= expected.Count).WaitAsync(s_timeout, ct);
        await group.DisposeAsync();

        Assert.Equal(expected.Order(), observed.Read(state => state.Unique.Order().ToList()));
        Assert.Equal(expected.Count, observed.Read(state => state.ProcessedCount));
        Assert.All(leaverPartitions, partition =>
            Assert.Contains(observed.Read(state => state.Processed), message =>
                message.Partition == partition && message.Consumer != "c3" && message.Value.StartsWith("third", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RestartedConsumerResumesFromItsCommittedOffset()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateTopicAsync("group-resume", partitions: 1);
        var values = await ProduceAsync(topic, "m", 10);
        var config = Config("group-resume");

        using (var first = new ConsumerBuilder<string, string>(config).Build())
        {
            first.Subscribe(topic);
            for (var i = 0; i < 4; i++)
            {
                var result = first.Consume(ct);
                Assert.Equal(values[i], result.Message.Value);
                first.Commit(result);
            }

            first.Close();
        }

        using var second = new ConsumerBuilder<string, string>(config).Build();
        second.Subscribe(topic);
        var resumed = second.Consume(ct);
        second.Close();

        Assert.Equal(4, resumed.Offset.Value);
        Assert.Equal(values[4], resumed.Message.Value);
    }

    [Fact]
    public async Task AdminClientListsAndDescribesConsumerGroupsAndTheirOffsets()
    {
        var ct = TestContext.Current.CancellationToken;
        var topic = await CreateTopicAsync("group-admin", partitions: 2);
        await ProduceAsync(topic, "m", 4);
        var assigned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var config = Config("group-admin");
        config.ClientId = "admin-test-consumer";
        using var consumer = new ConsumerBuilder<string, string>(config)
            .SetPartitionsAssignedHandler((_, _) => assigned.TrySetResult())
            .Build();
        consumer.Subscribe(topic);
        var consumed = consumer.Consume(ct);
        consumer.Commit(consumed);
        await assigned.Task.WaitAsync(s_timeout, ct);
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        var simplePartition = new TopicPartition(topic, 1);
        await admin.AlterConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitionOffsets("group-simple", [new(simplePartition, 3)])]);

        var listed = await admin.ListConsumerGroupsAsync();
        var onlyEmpty = await admin.ListConsumerGroupsAsync(new ListConsumerGroupsOptions { MatchStates = [ConsumerGroupState.Empty] });
        var described = Assert.Single((await admin.DescribeConsumerGroupsAsync(["group-admin"])).ConsumerGroupDescriptions);
        var activeOffsets = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions("group-admin", [consumed.TopicPartition])]));
        var simpleOffsets = Assert.Single(await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions("group-simple", null)]));
        consumer.Close();

        var active = Assert.Single(listed.Valid, group => group.GroupId == "group-admin");
        Assert.Equal(ConsumerGroupState.Stable, active.State);
        Assert.False(active.IsSimpleConsumerGroup);
        var simple = Assert.Single(onlyEmpty.Valid);
        Assert.Equal("group-simple", simple.GroupId);
        Assert.True(simple.IsSimpleConsumerGroup);
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

    private ConsumerConfig Config(string groupId) => new()
    {
        BootstrapServers = _broker.BootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,

        // Short timings so rebalances take milliseconds: the broker's minimum session timeout is configurable.
        SessionTimeoutMs = 6000,
        HeartbeatIntervalMs = 250,
        FetchWaitMaxMs = 100,
    };

    private async Task<string> CreateTopicAsync(string name, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }]);
        return name;
    }

    /// <summary>Produces keyed messages "{prefix}-{i}" spread over the partitions; returns the values in order.</summary>
    private async Task<List<string>> ProduceAsync(string topic, string prefix, int count)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, LingerMs = 5 }).Build();
        var values = Enumerable.Range(0, count).Select(i => $"{prefix}-{i:D4}").ToList();
        await Task.WhenAll(values.Select(value => producer.ProduceAsync(topic, new Message<string, string> { Key = value, Value = value })))
            .WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        return values;
    }
}
