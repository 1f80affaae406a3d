using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Turns librdkafka statistics (emitted every <c>StatisticsIntervalMs</c>, 1 s by default here) into metrics:
/// consumer lag per partition, producer queue depth, and messages sent/received.
/// See https://github.com/confluentinc/librdkafka/blob/master/STATISTICS.md for the JSON.
/// </summary>
public sealed class KafkaClientMetrics
{
    /// <summary>Name of the meter; ServiceDefaults adds it to the OpenTelemetry metrics pipeline.</summary>
    public const string MeterName = "SensorAspire.Kafka";

    // The latest statistics per client handle; gauges read the newest snapshot, so a revoked partition disappears.
    private readonly ConcurrentDictionary<string, Snapshot> _snapshots = new();

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public KafkaClientMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableGauge("messaging.kafka.consumer.lag", () => _snapshots.Values.SelectMany(s => s.Lag),
            "{message}", "Messages between the consumer's position and the partition's high watermark.");
        meter.CreateObservableGauge("messaging.kafka.producer.queue.message_count",
            () => _snapshots.Values.Where(s => s.IsProducer).Select(s => new Measurement<long>(s.QueuedMessages, s.ClientTag)),
            "{message}", "Messages waiting in the producer's queue for delivery.");
        meter.CreateObservableCounter("messaging.kafka.client.sent_messages",
            () => _snapshots.Values.Select(s => new Measurement<long>(s.SentMessages, s.ClientTag)),
            "{message}", "Messages sent to brokers.");
        meter.CreateObservableCounter("messaging.kafka.client.received_messages",
            () => _snapshots.Values.Select(s => new Measurement<long>(s.ReceivedMessages, s.ClientTag)),
            "{message}", "Messages received from brokers.");
    }

    /// <summary>The last consumer lag seen for a topic partition, or null; lets tests and health checks read lag.</summary>
    public long? GetConsumerLag(string topic, int partition)
    {
        foreach (var snapshot in _snapshots.Values)
        {
            foreach (var m in snapshot.Lag)
            {
                if (Equals(m.Tags[2].Value, topic) && Equals(m.Tags[3].Value, partition.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                {
                    return m.Value;
                }
            }
        }

        return null;
    }

    /// <summary>Records one statistics JSON document (called on the client's poll thread, about once a second).</summary>
    public void Record(string json, string? groupId)
    {
        // Parsing inline is fine at 1 Hz; the document is per partition, not per message. The handler runs inside
        // Consume/Poll, so nothing may escape from here into the caller's loop.
        try
        {
            RecordCore(json, groupId);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // A statistics format we do not understand costs us metrics, never consumption.
        }
    }

    private void RecordCore(string json, string? groupId)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var name = root.GetProperty("name").GetString() ?? "";
        var clientId = root.TryGetProperty("client_id", out var id) ? id.GetString() ?? "" : "";
        var clientTag = new KeyValuePair<string, object?>("messaging.client.id", clientId);
        var lag = new List<Measurement<long>>();

        if (root.TryGetProperty("topics", out var topics))
        {
            foreach (var topic in topics.EnumerateObject())
            {
                foreach (var partition in topic.Value.GetProperty("partitions").EnumerateObject())
                {
                    // Partition -1 is librdkafka's internal UA partition; lag -1 means unknown (not assigned/fetched).
                    var p = partition.Value;
                    var consumerLag = p.TryGetProperty("consumer_lag", out var l) ? l.GetInt64() : -1;
                    if (partition.Name == "-1" || consumerLag < 0)
                    {
                        continue;
                    }

                    lag.Add(new Measurement<long>(consumerLag,
                        clientTag,
                        new("messaging.consumer.group.name", groupId),
                        new("messaging.destination.name", topic.Name),
                        new("messaging.destination.partition.id", partition.Name)));
                }
            }
        }

        _snapshots[name] = new Snapshot(
            clientTag,
            root.TryGetProperty("type", out var type) && type.GetString() == "producer",
            root.TryGetProperty("msg_cnt", out var queued) ? queued.GetInt64() : 0,
            root.TryGetProperty("txmsgs", out var tx) ? tx.GetInt64() : 0,
            root.TryGetProperty("rxmsgs", out var rx) ? rx.GetInt64() : 0,
            lag);
    }

    private sealed record Snapshot(
        KeyValuePair<string, object?> ClientTag,
        bool IsProducer,
        long QueuedMessages,
        long SentMessages,
        long ReceivedMessages,
        List<Measurement<long>> Lag);
}
