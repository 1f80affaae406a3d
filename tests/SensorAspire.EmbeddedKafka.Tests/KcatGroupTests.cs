namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>
/// Balanced consumer groups with Debian's kcat (librdkafka 2.0.2), whose feature gates need JoinGroup, SyncGroup,
/// Heartbeat, LeaveGroup and FindCoordinator v0, OffsetFetch v1 and OffsetCommit v1-2 in our advertised ranges.
/// </summary>
public sealed class KcatGroupTests(BrokerFixture fixture)
{
    [Fact]
    public async Task KcatGroupConsumeReadsEachMessageOnceAndARerunOnlyWhatIsNew()
    {
        var topic = await GroupTestData.CreateTopicAsync(fixture, "kcat-group", partitions: 3);
        var first = await GroupTestData.ProduceAsync(fixture, topic, "first", 20);

        var initial = await ConsumeWithKcatAsync(topic, group: topic);
        var rerun = await ConsumeWithKcatAsync(topic, group: topic);
        var later = await GroupTestData.ProduceAsync(fixture, topic, "later", 5);
        var afterMore = await ConsumeWithKcatAsync(topic, group: topic);

        Assert.Equal(first.Order(), initial.Order());
        Assert.Empty(rerun);
        Assert.Equal(later.Order(), afterMore.Order());
    }

    [Fact]
    public async Task TwoKcatMembersShareTheTopicsPartitions()
    {
        var topic = await GroupTestData.CreateTopicAsync(fixture, "kcat-pair", partitions: 4);
        var values = await GroupTestData.ProduceAsync(fixture, topic, "m", 40);

        // Both join the same group at once; each ends at EOF of the partitions it was assigned, and the group commits
        // what each read, so together they read everything and a third run finds nothing left.
        var both = await Task.WhenAll(ConsumeWithKcatAsync(topic, group: topic), ConsumeWithKcatAsync(topic, group: topic));
        var leftover = await ConsumeWithKcatAsync(topic, group: topic);

        Assert.Equal(values.Order(), both.SelectMany(run => run).Concat(leftover).Order());
        Assert.Empty(leftover);
    }

    [Fact]
    public async Task KcatSimpleConsumerResumesFromOffsetsItStoredWithoutJoiningTheGroup()
    {
        var topic = await GroupTestData.CreateTopicAsync(fixture, "kcat-stored", partitions: 1);
        var first = await GroupTestData.ProduceAsync(fixture, topic, "first", 3);

        // -o stored without -G: OffsetFetch, then at exit a "simple" OffsetCommit (generation -1, no member id).
        var initial = await ConsumeStoredWithKcatAsync(topic, group: topic);
        var later = await GroupTestData.ProduceAsync(fixture, topic, "later", 2);
        var resumed = await ConsumeStoredWithKcatAsync(topic, group: topic);

        Assert.Equal(first, initial);
        Assert.Equal(later, resumed);
    }

    private async Task<List<string>> ConsumeStoredWithKcatAsync(string topic, string group)
    {
        var (exitCode, output, error) = await Kcat.RunAsync(
            "", "-b", fixture.BootstrapServers, "-C", "-t", topic, "-o", "stored", "-e", "-q", "-f", "%s\n",
            "-X", $"group.id={group}", "-X", "auto.offset.reset=earliest", "-X", "fetch.wait.max.ms=100");
        Assert.True(exitCode == 0, $"kcat exited with {exitCode}: {error}");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    /// <summary>
    /// Runs <c>kcat -G</c> until EOF on every assigned partition (<c>-e</c>) and returns the values it printed.
    /// Short session and heartbeat settings make its rebalances quick; <see cref="Kcat"/> bounds a hung run.
    /// </summary>
    private async Task<List<string>> ConsumeWithKcatAsync(string topic, string group)
    {
        var (exitCode, output, error) = await Kcat.RunAsync(
            "", "-b", fixture.BootstrapServers, "-G", group, "-e", "-q", "-f", "%s\n",
            "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=250",
            "-X", "fetch.wait.max.ms=100", topic);
        Assert.True(exitCode == 0, $"kcat exited with {exitCode}: {error}");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
