using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using SensorAspire.Testing;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Confluent.Kafka;
using SensorAspire.Aggregator;
using SensorAspire.Aggregator.Kafka;
using SensorAspire.Contracts;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

[Collection(PipelineCollection.Name)]
public sealed class PipelineEndToEndTests(BrokerFixture broker)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SimulatorReadingsBecomeWindowUpdatesForEverySensor()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        await using var aggregator = scenario.StartAggregator();
        await using var simulator = scenario.StartSimulator(sensors: 5, TimeSpan.FromMilliseconds(100), maxReadings: 5 * 4);
        string[] sensors = ["temp1", "temp2", "temp3", "temp4", "temp5"];

        var latest = await windows.WaitForAsync(r => Windows.When(r, sensors, w => w.Stats.Count == 4));

        Assert.All(sensors.Select((id, i) => (Window: latest[id], Range: i % 2 == 0 ? (20.0, 39.0) : (10.0, 29.0))), s =>
        {
            Assert.Equal(4, s.Window.Points.Count);
            Assert.All(s.Window.Points, p => Assert.InRange(p.Value, s.Range.Item1, s.Range.Item2));
            Assert.Equal(s.Window.Points.Min(p => p.Value), s.Window.Stats.Min);
            Assert.Equal(s.Window.Points.Max(p => p.Value), s.Window.Stats.Max);
            Assert.Equal(s.Window.Points.Average(p => p.Value), s.Window.Stats.Mean, 9);
            Assert.Equal(s.Window.Points[^1].Value, s.Window.Stats.Last);
            Assert.Equal(scenario.ReadingsTopic, s.Window.Source.Topic);
        });
    }

    [Fact]
    public async Task SimulatorStartedFirstWaitsForTheAggregatorToCreateTheReadingsTopic()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        await using var simulator = scenario.StartSimulator(sensors: 2, TimeSpan.FromMilliseconds(100), maxReadings: 2 * 3);
        await using var aggregator = scenario.StartAggregator();

        await windows.WaitForAsync(r => Windows.When(r, ["temp1", "temp2"], w => w.Stats.Count == 3));

        // Had the simulator sent first, the broker would have auto-created the topic with its default single partition.
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var topic = admin.GetMetadata(scenario.ReadingsTopic, TimeSpan.FromSeconds(10)).Topics.Single();
        Assert.Equal(PipelineScenario.Partitions, topic.Partitions.Count);
    }

    [Fact]
    public async Task TutorialProducerFeedsTemp1AndTemp2WindowsInTimestampOrder()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        await using var aggregator = scenario.StartAggregator();

        // Exactly what the tutorial's Python producer sends; the last line arrives late (out of timestamp order).
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            foreach (var value in new[]
            {
                "2023-03-20 10:11:12.123456,25.3,17.9",
                "2023-03-20 10:11:16.500000,38.97450927159328,10.000001",
                "2023-03-20 10:11:14,20.0,29.0",
            })
            {
                await producer.ProduceAsync(scenario.TutorialTopic, new Message<string, string> { Key = "key", Value = value }, Ct);
            }
        }

        var latest = await windows.WaitForAsync(
            r => Windows.When(r, [TutorialSensorData.Sensor1, TutorialSensorData.Sensor2], w => w.Stats.Count == 3));

        var temp1 = latest[TutorialSensorData.Sensor1];
        var temp2 = latest[TutorialSensorData.Sensor2];
        var t0 = new DateTimeOffset(2023, 3, 20, 10, 11, 12, TimeSpan.Zero);
        Assert.Equal([t0.AddTicks(1_234_560), t0.AddSeconds(2), t0.AddSeconds(4.5)], temp1.Points.Select(p => p.Timestamp));
        Assert.Equal([25.3, 20.0, 38.97450927159328], temp1.Points.Select(p => p.Value));
        Assert.Equal([17.9, 29.0, 10.000001], temp2.Points.Select(p => p.Value));
        Assert.Equal(new WindowStats(3, 20.0, 38.97450927159328, (25.3 + 20.0 + 38.97450927159328) / 3, 38.97450927159328), temp1.Stats);
        Assert.Equal(new SourcePosition(scenario.TutorialTopic, 0, 2), temp1.Source);
    }

    [Fact]
    public async Task MalformedMessagesAreDeadLetteredWithTheirReasonAndConsumptionContinues()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        await using var deadLetters = new TopicWatcher(broker.BootstrapServers, scenario.DeadLetterTopic);
        await using var aggregator = scenario.StartAggregator();
        using var deadLettered = new MetricCollector<long>(
            aggregator.Services.GetRequiredService<IMeterFactory>(), AggregatorTelemetry.Name, "sensor.dead_letters");
        long Counted(string reason) => deadLettered.GetMeasurementSnapshot()
            .Where(m => m.Tags.TryGetValue("reason", out var r) && Equals(r, reason)).Sum(m => m.Value);
        var good = new SensorReading("s1", DateTimeOffset.UtcNow, 21.5);

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await producer.ProduceAsync(scenario.ReadingsTopic, new Message<string, string> { Key = "s1", Value = "{not json" }, Ct);
            await producer.ProduceAsync(scenario.TutorialTopic, new Message<string, string> { Key = "key", Value = "2023-03-20,hot,cold" }, Ct);
            await producer.ProduceAsync(scenario.ReadingsTopic, new Message<string, string>
            {
                Key = "s1",
                Value = System.Text.Json.JsonSerializer.Serialize(good, ContractsJsonContext.Default.SensorReading),
            }, Ct);
        }

        var letters = await deadLetters.WaitForAsync(r => r.Count >= 2 ? r : null);
        var window = await windows.WaitForAsync(r => Windows.When(r, ["s1"], _ => true));

        Assert.Equal(
            [("{not json", "invalid-json", scenario.ReadingsTopic), ("2023-03-20,hot,cold", "invalid-tutorial-format", scenario.TutorialTopic)],
            letters.Select(l => (System.Text.Encoding.UTF8.GetString(l.Message.Value), TopicWatcher.Header(l, DeadLetterHeaders.Reason), TopicWatcher.Header(l, DeadLetterHeaders.SourceTopic)))
                .OrderBy(l => l.Item2));
        Assert.All(letters, l => Assert.False(string.IsNullOrEmpty(TopicWatcher.Header(l, DeadLetterHeaders.Detail))));
        Assert.Equal(21.5, Assert.Single(window["s1"].Points).Value);
        Assert.Equal(1, Counted(ReadFailure.InvalidJson));
        Assert.Equal(1, Counted(ReadFailure.InvalidTutorialFormat));
    }

    [Fact]
    public async Task OneReadingsSpansFormOneConnectedTraceFromSimulatorThroughAggregator()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        var simulatorSpans = new SpanCollector();
        var aggregatorSpans = new SpanCollector();
        await using var aggregator = scenario.StartAggregator(spans: aggregatorSpans);
        await using var simulator = scenario.StartSimulator(sensors: 1, TimeSpan.FromMilliseconds(200), maxReadings: 3, simulatorSpans);

        var (send, process, publish) = await aggregatorSpans.WaitForAsync(spans =>
        {
            var simulated = simulatorSpans.Snapshot();
            return (from w in spans
                    where w.DisplayName == $"send {scenario.WindowsTopic}"
                    let p = spans.FirstOrDefault(p => p.SpanId == w.ParentSpanId)
                    let s = p is null ? null : simulated.FirstOrDefault(s => s.SpanId == p.ParentSpanId)
                    where s is not null
                    select Tuple.Create(s, p, w)).FirstOrDefault();
        });

        Assert.Equal($"send {scenario.ReadingsTopic}", send.DisplayName);
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal(default, send.ParentSpanId);
        Assert.Equal($"process {scenario.ReadingsTopic}", process.DisplayName);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal(send.SpanId, Assert.Single(process.Links).Context.SpanId);
        Assert.Equal(scenario.GroupId, process.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.All(new[] { process, publish }, s => Assert.Equal(send.TraceId, s.TraceId));
        Assert.Equal("temp1", publish.GetTagItem("messaging.kafka.message.key"));
    }

    [Fact]
    public async Task AggregatorWithTracingDisabledRecordsNoSpansButItsUpdatesContinueTheReadingsTrace()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        var simulatorSpans = new SpanCollector();
        var aggregatorSpans = new SpanCollector();
        var settings = scenario.AggregatorSettings();
        settings["Aspire:Confluent:Kafka:Consumer:DisableTracing"] = "true";
        settings["Aspire:Confluent:Kafka:Producer:DisableTracing"] = "true";
        await using var windows = new TopicWatcher(broker.BootstrapServers, scenario.WindowsTopic);
        await using var aggregator = new ServiceHost<AggregatorOptions>(settings, aggregatorSpans).Start();
        await using var simulator = scenario.StartSimulator(sensors: 1, TimeSpan.FromMilliseconds(200), maxReadings: 1, simulatorSpans);

        var update = await windows.WaitForAsync(r => r.FirstOrDefault());
        var send = await simulatorSpans.WaitForAsync(spans => spans.FirstOrDefault(s => s.DisplayName == $"send {scenario.ReadingsTopic}"));

        var propagated = KafkaTelemetry.ExtractContext(update.Message.Headers);
        Assert.Equal((send.TraceId, send.SpanId), (propagated.TraceId, propagated.SpanId));
        // The process span ends before its update is sent, so it would be here by now.
        Assert.DoesNotContain(aggregatorSpans.Snapshot(), s => s.Source.Name == AggregatorTelemetry.Name);
    }

    [Fact]
    public async Task AggregatorReportsHealthyWhenKafkaAnswersAndItConsumes()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        await using var aggregator = scenario.StartAggregator();
        using var client = aggregator.CreateClient();

        // Readiness turns Healthy once topics exist and the consume loop runs; no event exposes that moment.
        using var response = await Wait.ForAsync(
            async ct =>
            {
                var probe = await client.GetAsync(new Uri("/health", UriKind.Relative), ct);
                if (probe.StatusCode == HttpStatusCode.OK)
                {
                    return probe;
                }

                probe.Dispose();
                return null;
            },
            "the aggregator's /health to answer OK", PipelineScenario.Timeout, TimeSpan.FromMilliseconds(100));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/alive", UriKind.Relative), Ct)).StatusCode);
    }
}
