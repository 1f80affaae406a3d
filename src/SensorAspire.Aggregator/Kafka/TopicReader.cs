using Confluent.Kafka;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// Reads a topic back from its beginning to its current end with a consumer of its own that is only ever assigned
/// partitions (no group membership, nothing committed): how the aggregator recovers what it published before.
/// </summary>
internal sealed class TopicReader : IDisposable
{
    private readonly IConsumer<string, byte[]> _consumer;
    private readonly string _topic;
    private readonly DateTime _deadline;
    private readonly string _timeoutMessage;

    public TopicReader(KafkaConsumerSettings settings, string topic, TimeSpan timeout, string timeoutMessage, string? resultFields = null)
    {
        var config = new ConsumerConfig(settings.Config.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            // Never commits and never joins: a throwaway group id keeps it out of the aggregator's group, and without an
            // instance id it cannot be taken for an aggregator (KIP-345).
            GroupId = $"{settings.Config.GroupId}-restore-{Guid.NewGuid():N}",
            GroupInstanceId = null,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            StatisticsIntervalMs = 0,
        };
        if (resultFields is not null)
        {
            config.ConsumeResultFields = resultFields;
        }

        _consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        _topic = topic;
        _deadline = DateTime.UtcNow + timeout;
        _timeoutMessage = timeoutMessage;
    }

    /// <summary>The topic's partitions that hold at least one message (an empty or missing topic has none).</summary>
    public List<TopicPartition> NonEmptyPartitions()
    {
        var nonEmpty = new List<TopicPartition>();
        using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        var metadata = admin.GetMetadata(_topic, TimeSpan.FromSeconds(10)).Topics.SingleOrDefault(t => t.Topic == _topic);
        foreach (var partition in metadata?.Partitions ?? [])
        {
            var tp = new TopicPartition(_topic, partition.PartitionId);
            var watermarks = _consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10));
            if (watermarks.High > watermarks.Low)
            {
                nonEmpty.Add(tp);
            }
        }

        return nonEmpty;
    }

    /// <summary>Reads <paramref name="partitions"/> from the beginning to their end; returns the messages read.</summary>
    public int ReadToEnd(IReadOnlyCollection<TopicPartition> partitions, Action<ConsumeResult<string, byte[]>> onMessage)
    {
        var remaining = partitions.ToHashSet();
        _consumer.Assign(partitions.Select(tp => new TopicPartitionOffset(tp, Offset.Beginning)));
        var read = 0;
        while (remaining.Count > 0)
        {
            if (DateTime.UtcNow > _deadline)
            {
                throw new TimeoutException(_timeoutMessage);
            }

            var result = _consumer.Consume(TimeSpan.FromMilliseconds(200));
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

        _consumer.Unassign();
        return read;
    }

    public void Dispose() => _consumer.Dispose();
}
