using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SensorAspire.Aggregator;
using SensorAspire.Contracts;
using SensorAspire.EmbeddedKafka;
using SensorAspire.Simulator;
using SensorAspire.Testing;
using Microsoft.Extensions.Hosting;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>
/// The services heal, without being restarted, when the cluster comes back empty: a broker without a data directory
/// stopped and started on the same port (a new cluster id, no topics, no groups).
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ClusterChangeTests
{
    private static readonly string[] s_sensors = ["temp1", "temp2"];

    [Fact]
    public async Task WhenTheBrokerComesBackEmptyTheTopicsAreCreatedAgainAndTheWindowsHoldExactlyTheNewBrokersReadings()
    {
        var port = FreePorts.Next();
        var first = await BrokerFixture.StartAsync(BrokerOn(port));
        var scenario = new PipelineScenario(first.BootstrapServers);
        // Windows large enough to hold every reading: each final window is then a sensor's complete history.
        await using var aggregator = new ServiceHost<AggregatorOptions>(WithLogs(scenario.AggregatorSettings(windowSize: 1000)), configureServices: AddLogs).Start();
        await using var simulator = new ServiceHost<SimulatorOptions>(WithLogs(SimulatorSettings(scenario)), configureServices: AddLogs).Start();
        await using (var before = new TopicWatcher(first.BootstrapServers, scenario.WindowsTopic))
        {
            await before.WaitForAsync(r => Windows.When(r, s_sensors, w => w.Stats.Count >= 5));
        }

        await first.DisposeAsync();
        await using var second = await BrokerFixture.StartAsync(BrokerOn(port));
        await using var windows = new TopicWatcher(second.BootstrapServers, scenario.WindowsTopic);
        await windows.WaitForAsync(r => Windows.When(r, s_sensors, w => w.Stats.Count >= 5));
        // Stopping the simulator flushes it: every reading it sent is now acknowledged by the second broker, or failed.
        var simulatorLog = simulator.Services.GetFakeLogCollector();
        await simulator.DisposeAsync();
        var acknowledged = await ReadAllAsync(second, scenario.ReadingsTopic);
        var latest = await windows.WaitForAsync(r => Windows.When(r, s_sensors, w => w.Points.Count == acknowledged[w.SensorId].Count));

        Assert.All(s_sensors, id => Assert.Equal(acknowledged[id], latest[id].Points.Select(p => (p.Timestamp, p.Value))));
        using var admin = new AdminClientBuilder(second.AdminConfig()).Build();
        var topics = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);
        Assert.Equal(PipelineScenario.Partitions, topics[scenario.ReadingsTopic]);
        Assert.Equal(PipelineScenario.Partitions, topics[scenario.WindowsTopic]);
        var windowsConfig = (await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = scenario.WindowsTopic }])).Single();
        Assert.Equal("compact", windowsConfig.Entries["cleanup.policy"].Value);
        // Said once, in words; librdkafka's own account of the outage (per client, per attempt) at Debug.
        var aggregatorLog = aggregator.Services.GetFakeLogCollector().GetSnapshot();
        Assert.Contains("is another cluster now", Assert.Single(aggregatorLog, r => r.Id.Name == "ClusterChanged").Message, StringComparison.Ordinal);
        Assert.All([aggregatorLog, simulatorLog.GetSnapshot()], log => Assert.True(
            log.Count(r => r.Category == KafkaClientExtensions.LogCategory && r.Level >= LogLevel.Warning) <= 1,
            string.Join(Environment.NewLine, log.Where(r => r.Level >= LogLevel.Warning).Select(r => r.Message))));
    }

    [Fact]
    public async Task WhenItsTopicIsDeletedTheSimulatorWaitsForItWithoutCreatingItAndCarriesOn()
    {
        await using var broker = await BrokerFixture.StartAsync(new EmbeddedKafkaOptions());
        var scenario = new PipelineScenario(broker.BootstrapServers);
        await broker.CreateTopicAsync(scenario.ReadingsTopic, PipelineScenario.Partitions);
        var settings = WithLogs(SimulatorSettings(scenario));
        settings["Aspire:Confluent:Kafka:Producer:Config:ClientId"] = "simulator-under-test";
        // librdkafka takes a topic that disappears within 30 s of being first seen for one still being created, and
        // keeps retrying (topic.metadata.propagation.max.ms); this topic is seconds old when it is deleted.
        settings["Aspire:Confluent:Kafka:Producer:Config:TopicMetadataPropagationMaxMs"] = "500";
        var metadataRequests = 0;
        broker.Broker.RequestObserver = request =>
        {
            if (request is { ApiKey: 3, ClientId: "simulator-under-test" })
            {
                Interlocked.Increment(ref metadataRequests);
            }
        };
        await using var simulator = new ServiceHost<SimulatorOptions>(settings, configureServices: AddLogs).Start();
        var log = simulator.Services.GetFakeLogCollector();
        await using (var before = new TopicWatcher(broker.BootstrapServers, scenario.ReadingsTopic))
        {
            await before.WaitForAsync(r => r.Count >= 4 ? r : null);
        }

        using var admin = new AdminClientBuilder(broker.AdminConfig()).Build();
        await admin.DeleteTopicsAsync([scenario.ReadingsTopic]);
        await Wait.UntilAsync(() => log.GetSnapshot().Any(r => r.Id.Name == "TopicGone"), "the simulator to say its topic is gone");
        // The simulator's producer keeps asking for the topic's metadata while it waits; had it allowed auto-creation,
        // the broker (auto.create.topics.enable true) would have created it with one partition, and creating it fail.
        var asked = Volatile.Read(ref metadataRequests);
        await Wait.UntilAsync(() => Volatile.Read(ref metadataRequests) >= asked + 2, "two more metadata requests of the simulator");
        await broker.CreateTopicAsync(scenario.ReadingsTopic, PipelineScenario.Partitions);
        await using var after = new TopicWatcher(broker.BootstrapServers, scenario.ReadingsTopic);
        await after.WaitForAsync(r => r.Count >= 4 ? r : null);

        Assert.Equal(PipelineScenario.Partitions, admin.GetMetadata(scenario.ReadingsTopic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Count);
        Assert.Single(log.GetSnapshot(), r => r.Id.Name == "TopicGone");
        Assert.Single(log.GetSnapshot(), r => r.Id.Name == "TopicBack");
    }

    private static EmbeddedKafkaOptions BrokerOn(int port) => new() { Port = port, ShutdownGracePeriod = TimeSpan.Zero };

    private static Dictionary<string, string?> SimulatorSettings(PipelineScenario scenario)
    {
        var settings = scenario.SimulatorSettings(s_sensors.Length, TimeSpan.FromMilliseconds(50), maxReadings: 1);
        settings.Remove($"{SimulatorOptions.SectionName}:MaxReadings");
        return settings;
    }

    private static Dictionary<string, string?> WithLogs(Dictionary<string, string?> settings)
    {
        settings["Logging:LogLevel:Default"] = "Debug";
        settings["Logging:LogLevel:Aspire.Confluent.Kafka"] = "Debug";
        return settings;
    }

    private static void AddLogs(IServiceCollection services) => services.AddFakeLogging();

    /// <summary>Every reading in <paramref name="topic"/> now, per sensor in timestamp order.</summary>
    private static async Task<Dictionary<string, List<(DateTimeOffset, double)>>> ReadAllAsync(BrokerFixture broker, string topic)
    {
        using var admin = new AdminClientBuilder(broker.AdminConfig()).Build();
        using var consumer = new ConsumerBuilder<string, byte[]>(broker.ConsumerConfig()).Build();
        var partitions = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions
            .Select(p => new TopicPartition(topic, p.PartitionId)).ToList();
        var total = partitions.Sum(p => consumer.QueryWatermarkOffsets(p, TimeSpan.FromSeconds(10)).High.Value);
        await using var watcher = new TopicWatcher(broker.BootstrapServers, topic);
        var all = await watcher.WaitForAsync(r => r.Count == total ? r : null);
        return all.Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractsJsonContext.Default.SensorReading)!)
            .GroupBy(r => r.SensorId)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Timestamp).Select(r => (r.Timestamp, r.Value)).ToList());
    }
}
