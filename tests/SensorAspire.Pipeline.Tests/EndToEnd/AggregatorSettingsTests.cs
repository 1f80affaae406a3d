using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using SensorAspire.Aggregator;
using SensorAspire.Contracts;
using SensorAspire.Testing;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>The aggregator's batch and topic settings have their effect on a real broker.</summary>
[Collection(PipelineCollection.Name)]
public sealed class AggregatorSettingsTests(BrokerFixture broker)
{
    private static readonly DateTimeOffset s_t0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("MaxBatchSize", "1")]
    [InlineData("MaxBatchSensors", "1")]
    [InlineData("MaxBatchDelay", "00:00:00")]
    public async Task ABatchLimitOfOnePublishesAnUpdatePerReading(string key, string value)
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        await broker.CreateTopicAsync(scenario.ReadingsTopic, 1);
        // Written before the aggregator starts, so all six wait for it at once: without a limit they coalesce.
        using (var producer = new ProducerBuilder<string, byte[]>(broker.ProducerConfig()).Build())
        {
            for (var i = 0; i < 6; i++)
            {
                var reading = new SensorReading(i % 2 == 0 ? "a" : "b", s_t0.AddSeconds(i), i);
                await producer.ProduceAsync(scenario.ReadingsTopic, new() { Key = reading.SensorId, Value = reading.ToUtf8Json() }, Ct);
            }
        }

        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        var settings = scenario.AggregatorSettings();
        settings[$"{AggregatorOptions.SectionName}:{key}"] = value;
        await using var aggregator = new ServiceHost<AggregatorOptions>(settings).Start();

        var updates = await windows.WaitForAsync(r => Windows.When(r, ["a", "b"], w => w.Stats.Count == 3) is null ? null : r);

        Assert.Equal([("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2), ("b", 3)],
            updates.Select(Windows.Parse).Select(w => (w.SensorId, w.Stats.Count)).Order());
    }

    [Fact]
    public async Task WithCreateTopicsOffTheAggregatorCreatesNoTopic()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        var settings = scenario.AggregatorSettings();
        settings[$"{AggregatorOptions.SectionName}:CreateTopics"] = "false";

        await using var aggregator = new ServiceHost<AggregatorOptions>(settings).Start();
        var worker = aggregator.Services.GetRequiredService<ReadingAggregatorWorker>();
        // With CreateTopics on, the topics exist before the consume loop runs.
        await Wait.UntilAsync(() => worker.IsRunning, "the aggregator's consume loop", PipelineScenario.Timeout);

        using var admin = new AdminClientBuilder(broker.AdminConfig()).Build();
        var topics = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.Select(t => t.Topic).ToHashSet();
        Assert.DoesNotContain(scenario.ReadingsTopic, topics);
        Assert.DoesNotContain(scenario.TutorialTopic, topics);
        Assert.DoesNotContain(scenario.WindowsTopic, topics);
        Assert.DoesNotContain(scenario.DeadLetterTopic, topics);
    }
}
