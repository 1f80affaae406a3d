using SensorAspire.Pipeline.Tests.EndToEnd;
using SensorAspire.Testing;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SensorAspire.Aggregator;
using SensorAspire.Aggregator.Kafka;
using SensorAspire.Aggregator.Windows;
using SensorAspire.Contracts;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Pipeline.Tests.Aggregator.Kafka;

[Collection(PipelineCollection.Name)]
public sealed class WindowRestorerTests(BrokerFixture broker)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RestoreLoadsEachSensorsNewestUpdateOnlyWhenItIsFromAnAssignedPartitionAndNotATombstone()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = scenario.WindowsTopic, NumPartitions = 2, ReplicationFactor = 1 }]);
        }

        var readings = scenario.ReadingsTopic;
        using (var producer = new ProducerBuilder<string, byte[]?>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            async Task Send(string sensor, byte[]? value) => await producer.ProduceAsync(scenario.WindowsTopic, new() { Key = sensor, Value = value }, Ct);

            await Send("a", Update("a", readings, 0, 1, 10));
            await Send("a", Update("a", readings, 0, 2, 20)); // newest: restored
            await Send("b", Update("b", readings, 0, 3, 30));
            await Send("b", null);                             // newest is a tombstone: deleted
            await Send("c", Update("c", readings, 1, 5, 50));  // input partition 1 is not assigned
            await Send("d", Update("d", readings, 0, 4, 40));
            await Send("d", Update("d", readings, 1, 6, 60));  // newest is from partition 1: not ours
        }

        var consumerSettings = new KafkaConsumerSettings();
        consumerSettings.Config.BootstrapServers = broker.BootstrapServers;
        consumerSettings.Config.GroupId = scenario.GroupId;
        var options = Options.Create(new AggregatorOptions { WindowsTopic = scenario.WindowsTopic });
        var restorer = new WindowRestorer(options, NullLogger<WindowRestorer>.Instance);
        var store = new WindowStore(options);
        using var reader = new TopicReader(consumerSettings, options.Value.RestoreTimeout);

        var restored = restorer.Restore(reader, store, [new TopicPartition(readings, 0)]);

        Assert.Equal(1, restored);
        Assert.Equal(1, store.Count);
        // Offset 2 is already in the restored window; offset 3 continues it.
        var replayed = store.Apply(new DecodedReading("a", At(3).UtcTicks, 30), new SourcePosition(readings, 0, 2), default);
        var next = store.Apply(new DecodedReading("a", At(4).UtcTicks, 40), new SourcePosition(readings, 0, 3), default);

        Assert.Equal(ReadingOutcome.AlreadyApplied, replayed);
        Assert.Equal(ReadingOutcome.Appended, next);
        var window = store.ToMessage(store.Changed[0].Slot, DateTimeOffset.UnixEpoch);
        Assert.Equal([20.0, 40.0], window.Points.Select(p => p.Value));
        Assert.Equal(new SourcePosition(readings, 0, 3), window.Source);
    }

    private static DateTimeOffset At(int seconds) => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds);

    private static byte[] Update(string sensor, string topic, int partition, long offset, double value) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new WindowUpdated(sensor, [new WindowPoint(At((int)offset), value)], new WindowStats(1, value, value, value, value),
                new SourcePosition(topic, partition, offset), DateTimeOffset.UnixEpoch),
            ContractsJsonContext.Default.WindowUpdated);
}
