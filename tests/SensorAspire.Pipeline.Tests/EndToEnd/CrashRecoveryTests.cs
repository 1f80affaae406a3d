using SensorAspire.Testing;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using SensorAspire.Aggregator.Kafka;
using SensorAspire.Contracts;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

[Collection(PipelineCollection.Name)]
public sealed class CrashRecoveryTests(BrokerFixture broker)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AggregatorKilledMidStreamAndRestartedLosesAndDuplicatesNothing()
    {
        const int Sensors = 3;
        const int PerSensor = 300;
        var scenario = new PipelineScenario(broker.BootstrapServers);
        // Windows large enough to hold every reading: the final window is then the complete history of a sensor.
        var settings = scenario.AggregatorSettings(windowSize: 1000);
        // The killed member never leaves the group; a short session lets the coordinator drop it quickly.
        settings["Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs"] = "1500";
        settings["Aspire:Confluent:Kafka:Consumer:Config:HeartbeatIntervalMs"] = "300";
        // Commit rarely, so the restart has to replay (and skip) readings whose windows were already published.
        settings["Aspire:Confluent:Kafka:Consumer:Config:AutoCommitIntervalMs"] = "60000";
        string[] sensorIds = ["temp1", "temp2", "temp3"];
        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        await using var readings = new TopicWatcher(broker.BootstrapServers, scenario.ReadingsTopic);

        using (var first = new AggregatorProcess(settings))
        {
            await first.Assigned.WaitAsync(PipelineScenario.Timeout, Ct);
            await using var simulator = scenario.StartSimulator(Sensors, TimeSpan.FromMilliseconds(20), Sensors * PerSensor);

            // Mid-stream: some windows are published, the simulator is still sending.
            await windows.WaitForAsync(r => Windows.When(r, sensorIds, w => w.Stats.Count >= 20));
            await first.KillAsync(Ct);
            Assert.True(readings.Snapshot().Count < Sensors * PerSensor, "the simulator finished before the aggregator was killed");

            await using var restarted = new ServiceHost<SensorAspire.Aggregator.AggregatorOptions>(settings).Start();
            await readings.WaitForAsync(r => r.Count == Sensors * PerSensor ? r : null);
            var latest = await windows.WaitForAsync(r => Windows.When(r, sensorIds, w => w.Stats.Count >= PerSensor));

            AssertEveryReadingAppliedOnce(readings, latest, sensorIds, PerSensor);
        }
    }

    [Fact]
    public async Task AKilledAggregatorWithAGroupInstanceIdGetsItsPartitionsBackWithoutWaitingOutItsSession()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        var settings = scenario.AggregatorSettings();
        // Static membership (KIP-345) with librdkafka's default session: a member without an instance id that comes back
        // after a crash waits until the group drops its previous incarnation, 45 s later.
        settings["Aspire:Confluent:Kafka:Consumer:Config:GroupInstanceId"] = $"{scenario.GroupId}-replica-1";
        settings["Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs"] = "45000";
        using (var first = new AggregatorProcess(settings))
        {
            await first.Assigned.WaitAsync(PipelineScenario.Timeout, Ct);
            await first.KillAsync(Ct);
        }

        using var restarted = new AggregatorProcess(settings);

        // Well inside the crashed member's session: only a rejoin under the same instance id gets partitions this soon.
        await restarted.Assigned.WaitAsync(TimeSpan.FromSeconds(20), Ct);
    }

    [Fact]
    public async Task EachMalformedMessageIsDeadLetteredOnceAcrossTwoAggregatorCrashes()
    {
        const int BadMessages = 18;
        const int EveryNth = 5;
        var scenario = new PipelineScenario(broker.BootstrapServers);
        var settings = scenario.AggregatorSettings(windowSize: 1000);
        settings["Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs"] = "1500";
        settings["Aspire:Confluent:Kafka:Consumer:Config:HeartbeatIntervalMs"] = "300";
        // Never committed during the test: every restart replays the input from the beginning, dead letters included.
        settings["Aspire:Confluent:Kafka:Consumer:Config:AutoCommitIntervalMs"] = "600000";
        await using var deadLetters = new TopicWatcher(broker.BootstrapServers, scenario.DeadLetterTopic);
        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        using var first = new AggregatorProcess(settings);
        await first.Assigned.WaitAsync(PipelineScenario.Timeout, Ct);
        // Every fifth message is malformed, the last one is a reading: once it is in a window, all input was consumed.
        var feeding = FeedAsync(scenario.ReadingsTopic, BadMessages * EveryNth + 1, i => i % EveryNth == EveryNth - 1);

        await deadLetters.WaitForAsync(r => r.Count >= BadMessages / 3 ? r : null);
        await first.KillAsync(Ct);
        using (var second = new AggregatorProcess(settings))
        {
            await deadLetters.WaitForAsync(r => r.Count >= 2 * BadMessages / 3 ? r : null);
            await second.KillAsync(Ct);
        }

        var fed = await feeding;
        await using (var third = new ServiceHost<SensorAspire.Aggregator.AggregatorOptions>(settings).Start())
        {
            await windows.WaitForAsync(r => Windows.When(r, ["s1"], w => w.Source.Offset == fed.Last().Offset));
        }

        // The third aggregator stopped cleanly (everything it sent is acknowledged): the topic holds all there will be.
        var letters = await deadLetters.WaitForAsync(r => r.Count >= BadMessages ? r : null);
        Assert.Equal(
            fed.Where(m => m.Malformed).Select(m => m.Offset).Order(),
            letters.Select(l => long.Parse(TopicWatcher.Header(l, DeadLetterHeaders.SourceOffset)!, System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public async Task RebalanceBetweenTwoAggregatorsLosesAndDuplicatesNothing()
    {
        const int Sensors = 4;
        const int PerSensor = 200;
        var scenario = new PipelineScenario(broker.BootstrapServers);
        var settings = scenario.AggregatorSettings(windowSize: 1000);
        string[] sensorIds = ["temp1", "temp2", "temp3", "temp4"];
        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        await using var readings = new TopicWatcher(broker.BootstrapServers, scenario.ReadingsTopic);

        await using var first = new ServiceHost<SensorAspire.Aggregator.AggregatorOptions>(settings).Start();
        await using var simulator = scenario.StartSimulator(Sensors, TimeSpan.FromMilliseconds(20), Sensors * PerSensor);
        await windows.WaitForAsync(r => Windows.When(r, sensorIds, w => w.Stats.Count >= 20));

        // A second member joins (both revoke, publish and commit, then split the partitions) ...
        await using var second = new ServiceHost<SensorAspire.Aggregator.AggregatorOptions>(settings).Start();
        await WaitUntilAssignedAsync(second);

        // ... then the first leaves cleanly and the second takes its partitions over, restoring their windows.
        await first.DisposeAsync();
        await readings.WaitForAsync(r => r.Count == Sensors * PerSensor ? r : null);
        var latest = await windows.WaitForAsync(r => Windows.When(r, sensorIds, w => w.Stats.Count >= PerSensor));

        AssertEveryReadingAppliedOnce(readings, latest, sensorIds, PerSensor);
    }

    /// <summary>
    /// Writes <paramref name="count"/> messages of sensor s1 to <paramref name="topic"/>, one every 20 ms (the pace leaves
    /// time to kill an aggregator mid-stream), malformed where <paramref name="malformed"/> says; returns each one's offset.
    /// </summary>
    private Task<List<(long Offset, bool Malformed)>> FeedAsync(string topic, int count, Func<int, bool> malformed) => Task.Run(async () =>
    {
        using var producer = new ProducerBuilder<string, byte[]>(broker.ProducerConfig()).Build();
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var t0 = DateTimeOffset.UtcNow;
        List<(long, bool)> fed = [];
        for (var i = 0; i < count && await pace.WaitForNextTickAsync(Ct); i++)
        {
            var value = malformed(i) ? "{not json"u8.ToArray() : new SensorReading("s1", t0.AddSeconds(i), i).ToUtf8Json();
            var delivered = await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = "s1", Value = value }, Ct);
            fed.Add((delivered.Offset.Value, malformed(i)));
        }

        return fed;
    });

    // Assignment happens inside the consumer's poll; no event reaches the test, so poll the engine's state.
    private static Task WaitUntilAssignedAsync(ServiceHost<SensorAspire.Aggregator.AggregatorOptions> host)
    {
        var engine = host.Services.GetRequiredService<SensorAspire.Aggregator.Kafka.WindowAggregationEngine>();
        return Wait.UntilAsync(() => engine.AssignedPartitions > 0, "the aggregator's partition assignment", PipelineScenario.Timeout);
    }

    // Windows big enough for every reading: each sensor's final window must be exactly what was sent, once each.
    private static void AssertEveryReadingAppliedOnce(
        TopicWatcher readings, Dictionary<string, WindowUpdated> latest, string[] sensorIds, int perSensor)
    {
        var sent = readings.Snapshot()
            .Select(r => JsonSerializer.Deserialize(r.Message.Value, ContractsJsonContext.Default.SensorReading)!)
            .GroupBy(r => r.SensorId)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Timestamp).Select(r => (r.Timestamp, r.Value)).ToList());
        Assert.All(sensorIds, id =>
        {
            Assert.Equal(perSensor, latest[id].Points.Count);
            Assert.Equal(sent[id], latest[id].Points.Select(p => (p.Timestamp, p.Value)));
        });
    }
}
