using SensorAspire.Testing;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
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
