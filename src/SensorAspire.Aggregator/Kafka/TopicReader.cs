using Confluent.Kafka;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// Reads topics back from their beginning to their current end with a consumer of its own that is only ever assigned
/// partitions (no group membership, nothing committed): how the aggregator recovers what it published before. One
/// reader serves every restore of an assignment, within <see cref="AggregatorOptions.RestoreTimeout"/>.
/// </summary>
internal sealed class TopicReader : IDisposable
{
    private readonly IConsumer<string, byte[]> _consumer;
    private readonly DateTime _deadline;
    private readonly TimeSpan _timeout;

    public TopicReader(KafkaConsumerSettings settings, TimeSpan timeout)
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
            // The end of a partition is known from the fetch that reaches it; a fetch that finds nothing new would
            // otherwise wait out librdkafka's 500 ms long poll before the restore may go on.
            FetchWaitMaxMs = 10,
            // Topic names the partition that reached its end; headers carry the dead letters' source.
            ConsumeResultFields = "topic,headers",
        };
        _consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        _deadline = DateTime.UtcNow + timeout;
        _timeout = timeout;
    }

    /// <summary>The partitions of <paramref name="topic"/> that hold at least one message (an empty or missing topic has none).</summary>
    public List<TopicPartition> NonEmptyPartitions(string topic)
    {
        var nonEmpty = new List<TopicPartition>();
        using var admin = new DependentAdminClientBuilder(_consumer.Handle).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10)).Topics.SingleOrDefault(t => t.Topic == topic);
        foreach (var partition in metadata?.Partitions ?? [])
        {
            var tp = new TopicPartition(topic, partition.PartitionId);
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
                throw new TimeoutException(
                    $"Reading {string.Join(", ", remaining.Select(p => p.Topic).Distinct())} back took longer than Aggregator:RestoreTimeout ({_timeout}).");
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
