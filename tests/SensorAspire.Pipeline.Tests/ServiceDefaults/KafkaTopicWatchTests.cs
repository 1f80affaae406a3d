using Confluent.Kafka;
using SensorAspire.ServiceDefaults;
using SensorAspire.Testing;

namespace SensorAspire.Pipeline.Tests.ServiceDefaults;

/// <summary>The topic watch against the real broker: topics deleted, and deleted and created again under the same name.</summary>
public sealed class KafkaTopicWatchTests(BrokerFixture broker)
{
    // Long, so that only CheckNow and the first Poll describe: the test decides when the topics are looked at.
    private static readonly TimeSpan s_never = TimeSpan.FromHours(1);

    [Fact]
    public async Task ATopicThatIsDeletedIsReportedAsGone()
    {
        var (kept, deleted) = (BrokerFixture.UniqueTopic("kept"), BrokerFixture.UniqueTopic("deleted"));
        await broker.CreateTopicAsync(kept, 1);
        await broker.CreateTopicAsync(deleted, 2);
        using var consumer = new ConsumerBuilder<string, string>(broker.ConsumerConfig()).Build();
        using var watch = new KafkaTopicWatch(consumer.Handle, [kept, deleted], s_never);
        await WaitForBaselineAsync(watch);

        await DeleteAsync(deleted);
        watch.CheckNow();
        var change = await Wait.ForAsync(watch.Poll, "the watch to see the deletion");

        Assert.Equal([deleted], change.Gone);
        Assert.Empty(change.Replaced);
        Assert.False(change.IsAnotherCluster);
        Assert.NotNull(change.ClusterIdNow);
        Assert.Equal(change.ClusterIdBefore, change.ClusterIdNow);
    }

    [Fact]
    public async Task ATopicDeletedAndCreatedAgainIsReportedAsReplacedAndWatchedFromThenOn()
    {
        var topic = BrokerFixture.UniqueTopic("recreated");
        await broker.CreateTopicAsync(topic, 1);
        using var consumer = new ConsumerBuilder<string, string>(broker.ConsumerConfig()).Build();
        using var watch = new KafkaTopicWatch(consumer.Handle, [topic], s_never);
        await WaitForBaselineAsync(watch);

        await DeleteAsync(topic);
        await broker.CreateTopicAsync(topic, 1);
        watch.CheckNow();
        var change = await Wait.ForAsync(watch.Poll, "the watch to see the new topic");
        watch.CheckNow();
        await WaitForBaselineAsync(watch);
        await DeleteAsync(topic);
        watch.CheckNow();
        var deleted = await Wait.ForAsync(watch.Poll, "the watch to see the new topic deleted");

        Assert.Equal([topic], change.Replaced);
        Assert.Empty(change.Gone);
        Assert.Equal([topic], deleted.Gone);
    }

    private static Task WaitForBaselineAsync(KafkaTopicWatch watch)
        => Wait.UntilAsync(() => watch.Poll() is null && watch.HasBaseline, "the watch's first description of every topic");

    private async Task DeleteAsync(string topic)
    {
        using var admin = new AdminClientBuilder(broker.AdminConfig()).Build();
        await admin.DeleteTopicsAsync([topic]).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
    }
}
