using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Trace;
using SensorAspire.Aggregator;
using SensorAspire.Aggregator.Kafka;
using SensorAspire.Aggregator.Windows;
using SensorAspire.Contracts;
using SensorAspire.ServiceDefaults;
using SensorAspire.Simulator;
using SensorAspire.Testing;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>
/// What one reading allocates on its hot path, with tracing as under load in production (a parent-based ratio sampler
/// that samples none of these readings): guards the per-reading CPU cost without timing anything.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PerReadingAllocationTests(BrokerFixture broker)
{
    private const int Sensors = 100;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void DecodingApplyingAndCoalescingAReadingAllocatesOnlyTheDecodedReadingAndItsTraceContext()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        using var tracing = UnsampledTracing(AggregatorTelemetry.Name);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var consumerSettings = new KafkaConsumerSettings();
        consumerSettings.Config.BootstrapServers = broker.BootstrapServers;
        consumerSettings.Config.GroupId = scenario.GroupId;
        var options = Options.Create(new AggregatorOptions { ReadingsTopic = scenario.ReadingsTopic, WindowsTopic = scenario.WindowsTopic });
        var store = new WindowStore(options);
        var producerSettings = new KafkaProducerSettings();
        producerSettings.Config.BootstrapServers = broker.BootstrapServers;
        var engine = new WindowAggregationEngine(
            producer, producerSettings, consumerSettings, store, new WindowRestorer(options, NullLogger<WindowRestorer>.Instance),
            new DeadLetterRestorer(options, NullLogger<DeadLetterRestorer>.Instance),
            new AggregatorTelemetry(services.GetRequiredService<IMeterFactory>(), store), options, TimeProvider.System,
            NullLogger<WindowAggregationEngine>.Instance);

        // Readings as the simulator sends them, each with its (unsampled) trace context, consumed before measuring.
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-1);
        var consumed = Enumerable.Range(0, 20 * Sensors).Select(i =>
        {
            var sensor = $"temp{i % Sensors}";
            var headers = new Headers();
            KafkaTelemetry.Inject(new(System.Diagnostics.ActivityTraceId.CreateRandom(), System.Diagnostics.ActivitySpanId.CreateRandom(), default), headers);
            return new ConsumeResult<string, byte[]>
            {
                Topic = scenario.ReadingsTopic,
                Partition = i % 8,
                Offset = i / 8,
                Message = new Message<string, byte[]> { Key = sensor, Value = new SensorReading(sensor, t0.AddMilliseconds(i), 20 + (i % 7)).ToUtf8Json(), Headers = headers },
            };
        }).ToArray();

        // Every sensor has a window and is already waiting to be published: what follows is decode, apply, coalesce.
        var warmUp = consumed.Length / 2;
        foreach (var result in consumed.AsSpan(0, warmUp))
        {
            engine.Process(result);
        }

        var perPass = (consumed.Length - warmUp) / 3;
        var fewest = Allocations.Fewest(pass =>
        {
            foreach (var result in consumed.AsSpan(warmUp + (pass * perPass), perPass))
            {
                engine.Process(result);
            }
        });

        var perReading = fewest / (double)perPass;

        Assert.Equal(Sensors, engine.ChangedSensors);
        // 200 bytes on 64-bit: the decoded SensorReading (56; the contract's one TryRead returns it) and the reading's
        // trace context, whose trace and span ids keep their hex text (strings of 32 and 16 characters: 88 + 56).
        Assert.InRange(perReading, 0, 200);
    }

    [Fact]
    public async Task SendingAReadingAllocatesAtMostAStatedAmount()
    {
        var scenario = new PipelineScenario(broker.BootstrapServers);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = scenario.ReadingsTopic, NumPartitions = 8, ReplicationFactor = 1 }]);
        }

        using var tracing = UnsampledTracing(SimulatorTelemetry.Name);
        var settings = new KafkaProducerSettings();
        settings.Config.BootstrapServers = broker.BootstrapServers;
        Microsoft.Extensions.Hosting.SimulatorServiceCollectionExtensions.ConfigureProducer(settings);
        using var producer = new ProducerBuilder<string, byte[]>(settings.Config).Build();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var options = Options.Create(new SimulatorOptions { Topic = scenario.ReadingsTopic, SensorCount = Sensors });
        var worker = new ReadingProducerWorker(
            producer, settings, new SimulatorTelemetry(services.GetRequiredService<IMeterFactory>()), options, TimeProvider.System,
            NullLogger<ReadingProducerWorker>.Instance);
        var ids = Enumerable.Range(0, Sensors).Select(options.Value.SensorId).ToArray();

        for (var i = 0; i < 2_000; i++)
        {
            Assert.True(worker.Send(ids, i % Sensors, Ct));
        }

        const int Measured = 5_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Measured; i++)
        {
            worker.Send(ids, i % Sensors, Ct);
        }

        var perReading = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)Measured;
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));

        Assert.Equal(2_000 + Measured, worker.Sent);
        // About 1.3 KB on the sending thread, most of it not ours to remove: the not-sampled span the SDK creates for a
        // root (with its ids' text and Activity.Current set and restored), the message, its headers and traceparent
        // bytes, the reading and its JSON, and the client's own per-message objects (key bytes, delivery handler).
        Assert.InRange(perReading, 0, 1_300);
    }

    /// <summary>A tracer provider as the services run under load (parent-based ratio sampling), sampling none of these.</summary>
    private static TracerProvider UnsampledTracing(string source)
    {
        KafkaTelemetry.ParentBasedSampling = true;
        return Sdk.CreateTracerProviderBuilder()
            .AddSource(source)
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(0)))
            .Build();
    }
}
