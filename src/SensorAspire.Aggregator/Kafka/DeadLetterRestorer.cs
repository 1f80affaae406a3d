using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// Reads the dead-letter topic back and finds, for each input partition just assigned, the highest input offset
/// already dead-lettered (from the <see cref="DeadLetterHeaders"/> every dead letter carries). A replay after a crash
/// or a rebalance skips malformed messages at or below it, so each one is in the dead-letter topic once, as each
/// reading is in the windows once.
/// </summary>
internal sealed partial class DeadLetterRestorer(IOptions<AggregatorOptions> options, ILogger<DeadLetterRestorer> logger)
{
    public Dictionary<TopicPartition, long> Restore(TopicReader reader, IReadOnlyCollection<TopicPartition> partitions)
    {
        Dictionary<TopicPartition, long> highest = [];
        if (partitions.Count == 0)
        {
            return highest;
        }

        var topic = options.Value.DeadLetterTopic;
        var read = reader.ReadToEnd(reader.NonEmptyPartitions(topic), result =>
        {
            var headers = result.Message.Headers;
            if (Text(headers, DeadLetterHeaders.SourceTopic) is { } sourceTopic
                && int.TryParse(Text(headers, DeadLetterHeaders.SourcePartition), NumberStyles.None, CultureInfo.InvariantCulture, out var sourcePartition)
                && long.TryParse(Text(headers, DeadLetterHeaders.SourceOffset), NumberStyles.None, CultureInfo.InvariantCulture, out var sourceOffset))
            {
                var source = new TopicPartition(sourceTopic, sourcePartition);
                if (partitions.Contains(source) && (!highest.TryGetValue(source, out var known) || sourceOffset > known))
                {
                    highest[source] = sourceOffset;
                }
            }
        });

        Restored(logger, highest.Count, read, topic);
        return highest;
    }

    private static string? Text(Headers? headers, string key)
        => headers is not null && headers.TryGetLastBytes(key, out var value) ? Encoding.UTF8.GetString(value) : null;

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Found dead letters of {Partitions} assigned input partitions in {Read} messages on {Topic}")]
    private static partial void Restored(ILogger logger, int partitions, int read, string topic);
}
