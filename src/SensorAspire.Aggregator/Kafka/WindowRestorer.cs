using Confluent.Kafka;
using Microsoft.Extensions.Options;
using SensorAspire.Aggregator.Windows;
using SensorAspire.Contracts;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// Reads the compacted windows topic back (the latest update per sensor) and loads the windows whose source
/// partition this instance was just assigned, so a restarted or rebalanced aggregator continues where the previous
/// owner's published state ends.
/// </summary>
internal sealed partial class WindowRestorer(
    KafkaConsumerSettings consumerSettings,
    IOptions<AggregatorOptions> options,
    ILogger<WindowRestorer> logger)
{
    public int Restore(WindowStore store, IReadOnlyCollection<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return 0;
        }

        var topic = options.Value.WindowsTopic;
        var config = new ConsumerConfig(consumerSettings.Config.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            // Never commits: a throwaway group id keeps it out of the aggregator's group.
            GroupId = $"{consumerSettings.Config.GroupId}-restore-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            StatisticsIntervalMs = 0,
        };

        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var deadline = DateTime.UtcNow + options.Value.RestoreTimeout;
        var nonEmpty = new List<TopicPartition>();
        using (var admin = new DependentAdminClientBuilder(consumer.Handle).Build())
        {
            var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.SingleOrDefault(t => t.Topic == topic);
            foreach (var partition in metadata?.Partitions ?? [])
            {
                var tp = new TopicPartition(topic, partition.PartitionId);
                var watermarks = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
                if (watermarks.High > watermarks.Low)
                {
                    nonEmpty.Add(tp);
                }
            }
        }

        // Two reads of the topic instead of holding every sensor's newest update in memory as objects (docs/pipeline.md,
        // "Memory"): the first finds where each sensor's newest message is (its key is the sensor id, so all of a
        // sensor's messages share a partition), the second restores exactly those messages.
        var newest = new Dictionary<string, (int Partition, long Offset)>(StringComparer.Ordinal);
        var read = ReadToEnd(consumer, nonEmpty, deadline, result =>
        {
            if (result.Message.Key is { } sensorId)
            {
                newest[sensorId] = (result.Partition.Value, result.Offset.Value);
            }
        });

        var restored = 0;
        ReadToEnd(consumer, nonEmpty, deadline, result =>
        {
            // A tombstone or unreadable newest message restores nothing: the sensor was deleted.
            if (result.Message.Key is { } sensorId
                && newest.TryGetValue(sensorId, out var position) && position == (result.Partition.Value, result.Offset.Value)
                && WindowUpdated.TryRead(sensorId, result.Message.Value, out var update, out _)
                && partitions.Contains(new TopicPartition(update.Source.Topic, update.Source.Partition)))
            {
                store.Restore(update);
                restored++;
            }
        });

        Restored(logger, restored, read, topic);
        return restored;
    }

    /// <summary>Reads <paramref name="partitions"/> from the beginning to their end; returns the messages read.</summary>
    private int ReadToEnd(IConsumer<string, byte[]> consumer, IReadOnlyCollection<TopicPartition> partitions, DateTime deadline, Action<ConsumeResult<string, byte[]>> onMessage)
    {
        var remaining = partitions.ToHashSet();
        consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        var read = 0;
        while (remaining.Count > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Reading topic {options.Value.WindowsTopic} back took longer than Aggregator:RestoreTimeout ({options.Value.RestoreTimeout}).");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                remaining.Remove(result.TopicPartition);
                continue;
            }

            read++;
            onMessage(result);
        }

        consumer.Unassign();
        return read;
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Restored {Count} sensor windows from {Read} messages on {Topic}")]
    private static partial void Restored(ILogger logger, int count, int read, string topic);
}
