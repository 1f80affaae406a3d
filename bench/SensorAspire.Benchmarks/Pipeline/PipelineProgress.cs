using Confluent.Kafka;

namespace SensorAspire.Benchmarks;

/// <summary>
/// Progress of a pipeline running in other processes, read from the broker as any Kafka tool would: readings produced
/// (the input topic's end offsets), readings the aggregator has finished (its group's committed offsets: a reading's
/// offset is committed only after its window update is acknowledged) and window updates published.
/// </summary>
internal sealed class PipelineProgress : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private readonly IConsumer<byte[], byte[]> _consumer;
    private readonly List<TopicPartition> _readings;
    private readonly List<TopicPartition> _windows;

    public PipelineProgress(string bootstrapServers, string readingsTopic, string windowsTopic, string group, int partitions)
    {
        // The aggregator's group id, to read its committed offsets; this consumer never subscribes, so it never joins.
        _consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = group,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        _readings = [.. Enumerable.Range(0, partitions).Select(p => new TopicPartition(readingsTopic, p))];
        _windows = [.. Enumerable.Range(0, partitions).Select(p => new TopicPartition(windowsTopic, p))];
    }

    /// <summary>Readings on the input topic.</summary>
    public long Produced() => EndOffsets(_readings);

    /// <summary>Window updates on the windows topic.</summary>
    public long Published() => EndOffsets(_windows);

    /// <summary>Readings whose offsets the aggregator has committed.</summary>
    public long Committed()
    {
        try
        {
            return _consumer.Committed(_readings, s_timeout).Sum(c => Math.Max(0, c.Offset.Value));
        }
        catch (KafkaException)
        {
            return 0; // the group's coordinator is not known yet
        }
    }

    private long EndOffsets(List<TopicPartition> partitions)
    {
        long sum = 0;
        foreach (var partition in partitions)
        {
            try
            {
                sum += _consumer.QueryWatermarkOffsets(partition, s_timeout).High.Value;
            }
            catch (KafkaException)
            {
                // The topic does not exist yet.
            }
        }

        return sum;
    }

    public void Dispose()
    {
        _consumer.Close();
        _consumer.Dispose();
    }
}
