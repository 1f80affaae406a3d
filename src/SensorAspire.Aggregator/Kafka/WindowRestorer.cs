using Confluent.Kafka;
using Microsoft.Extensions.Options;
using SensorAspire.Aggregator.Windows;
using SensorAspire.Contracts;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// Reads the compacted windows topic back (the latest update per sensor) and loads the windows whose source
/// partition this instance was just assigned, so a restarted or rebalanced aggregator continues where the previous
/// owner's published state ends.
/// </summary>
internal sealed partial class WindowRestorer(IOptions<AggregatorOptions> options, ILogger<WindowRestorer> logger)
{
    public int Restore(TopicReader reader, WindowStore store, IReadOnlyCollection<TopicPartition> partitions)
    {
        if (partitions.Count == 0)
        {
            return 0;
        }

        var topic = options.Value.WindowsTopic;
        var nonEmpty = reader.NonEmptyPartitions(topic);

        // Two reads of the topic instead of holding every sensor's newest update in memory as objects (docs/pipeline.md,
        // "Memory"): the first finds where each sensor's newest message is (its key is the sensor id, so all of a
        // sensor's messages share a partition), the second restores exactly those messages.
        var newest = new Dictionary<string, (int Partition, long Offset)>(StringComparer.Ordinal);
        var read = reader.ReadToEnd(nonEmpty, result =>
        {
            if (result.Message.Key is { } sensorId)
            {
                newest[sensorId] = (result.Partition.Value, result.Offset.Value);
            }
        });

        var restored = 0;
        reader.ReadToEnd(nonEmpty, result =>
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

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Restored {Count} sensor windows from {Read} messages on {Topic}")]
    private static partial void Restored(ILogger logger, int count, int read, string topic);
}
