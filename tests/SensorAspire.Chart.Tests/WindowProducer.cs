using System.Text;
using Confluent.Kafka;
using SensorAspire.Chart.Streaming;
using SensorAspire.Contracts;
using SensorAspire.Testing;

namespace SensorAspire.Chart.Tests;

/// <summary>Writes window updates to a topic as the aggregator does: JSON, keyed by sensor id.</summary>
public sealed class WindowProducer(string bootstrapServers, string topic) : IDisposable
{
    /// <summary>Partitions of a test's windows topic: more than one, so the chart has to read several.</summary>
    public const int Partitions = 3;

    private static readonly DateTimeOffset s_start = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private readonly IProducer<string, byte[]> _producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        LingerMs = 0,
        MessageTimeoutMs = 10_000,
        TopicMetadataRefreshIntervalMs = 1000,
    }).Build();

    /// <summary>Creates a windows topic of the test's own, as the aggregator would (it owns the topic).</summary>
    public static async Task<string> CreateTopicAsync(BrokerFixture broker, string name)
    {
        var topic = BrokerFixture.UniqueTopic($"windows-{name}");
        await broker.CreateTopicAsync(topic, Partitions);
        return topic;
    }

    /// <summary>A window of <paramref name="values"/> taken two seconds apart, like the tutorial's producer.</summary>
    public static WindowUpdated Window(string sensorId, params double[] values)
    {
        var points = values.Select((v, i) => new WindowPoint(s_start.AddSeconds(2 * i), v)).ToArray();
        var stats = new WindowStats(points.Length, values.Min(), values.Max(), values.Average(), values[^1]);
        return new WindowUpdated(sensorId, points, stats, new SourcePosition(TopicNames.Readings, 0, values.Length - 1), DateTimeOffset.UtcNow);
    }

    /// <summary>A window as the chart holds it: with the bytes it would have read from Kafka.</summary>
    public static WindowFrame Frame(string sensorId, params double[] values)
    {
        var window = Window(sensorId, values);
        return new WindowFrame(window, window.ToUtf8Json());
    }

    /// <summary>Writes a message value as given, valid or not, to partition 0 (so such messages keep their order).</summary>
    public async Task ProduceRawAsync(string key, string value)
        => await _producer.ProduceAsync(new TopicPartition(topic, 0), new Message<string, byte[]> { Key = key, Value = Encoding.UTF8.GetBytes(value) },
            TestContext.Current.CancellationToken);

    public async Task<DeliveryResult<string, byte[]>> ProduceAsync(WindowUpdated window, string? traceParent = null)
    {
        var message = new Message<string, byte[]>
        {
            Key = window.SensorId,
            Value = window.ToUtf8Json(),
        };
        if (traceParent is not null)
        {
            message.Headers = new Headers { { "traceparent", Encoding.UTF8.GetBytes(traceParent) } };
        }

        return await _producer.ProduceAsync(topic, message, TestContext.Current.CancellationToken);
    }

    /// <summary>Queues a window without waiting for its delivery; <see cref="Flush"/> waits for all of them.</summary>
    public void Produce(WindowUpdated window)
        => _producer.Produce(topic, new Message<string, byte[]>
        {
            Key = window.SensorId,
            Value = window.ToUtf8Json(),
        });

    public void Flush() => _producer.Flush(TestContext.Current.CancellationToken);

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
