using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace SensorAspire.EmbeddedKafka.Tests;

public sealed class AdminClientTests(BrokerFixture fixture)
{
    [Fact]
    public async Task CreatedTopicAppearsInMetadataWithItsPartitionsAndConfigs()
    {
        var topic = BrokerFixture.UniqueTopic("admin-create");
        using var admin = new AdminClientBuilder(fixture.AdminConfig()).Build();

        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic,
            NumPartitions = 3,
            ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact", ["retention.ms"] = "60000" },
        }]).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var metadata = admin.GetMetadata(topic, Wait.DefaultTimeout);
        var configs = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }])
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var entries = configs.Single().Entries;

        Assert.Equal(3, metadata.Topics.Single().Partitions.Count);
        Assert.Equal(1, metadata.OriginatingBrokerId);
        Assert.Equal("compact", entries["cleanup.policy"].Value);
        Assert.Equal(ConfigSource.DynamicTopicConfig, entries["cleanup.policy"].Source);
        Assert.Equal("60000", entries["retention.ms"].Value);
        Assert.Equal("1048588", entries["max.message.bytes"].Value);
        Assert.True(entries["max.message.bytes"].IsDefault);
    }

    [Fact]
    public async Task CreatingAnExistingTopicFailsWithTopicAlreadyExists()
    {
        var topic = BrokerFixture.UniqueTopic("admin-twice");
        using var admin = new AdminClientBuilder(fixture.AdminConfig()).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }])
            .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken));

        Assert.Equal(ErrorCode.TopicAlreadyExists, error.Results.Single().Error.Code);
    }

    [Fact]
    public async Task DeletedTopicDisappearsAndCanBeRecreatedEmptyWithANewId()
    {
        var topic = BrokerFixture.UniqueTopic("admin-delete");
        using var admin = new AdminClientBuilder(fixture.AdminConfig()).Build();
        await fixture.CreateTopicAsync(topic, partitions: 2);
        using (var producer = new ProducerBuilder<Null, string>(fixture.ProducerConfig()).Build())
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = "before delete" }, TestContext.Current.CancellationToken)
                .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        }

        var before = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic])).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        await admin.DeleteTopicsAsync([topic]).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var all = admin.GetMetadata(Wait.DefaultTimeout);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1 }]).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        var after = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames([topic])).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
        using var consumer = new ConsumerBuilder<Ignore, string>(fixture.ConsumerConfig()).Build();
        var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), Wait.DefaultTimeout);

        Assert.DoesNotContain(all.Topics, t => t.Topic == topic);
        Assert.NotEqual(before.TopicDescriptions.Single().TopicId, after.TopicDescriptions.Single().TopicId);
        Assert.Single(after.TopicDescriptions.Single().Partitions);
        Assert.Equal(0, watermarks.High.Value);
    }

    [Fact]
    public async Task DeletingAnUnknownTopicFails()
    {
        using var admin = new AdminClientBuilder(fixture.AdminConfig()).Build();

        var error = await Assert.ThrowsAsync<DeleteTopicsException>(() =>
            admin.DeleteTopicsAsync([BrokerFixture.UniqueTopic("never-created")]).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken));

        Assert.Equal(ErrorCode.UnknownTopicOrPart, error.Results.Single().Error.Code);
    }
}
