using Confluent.Kafka;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// Readings consumed together and the messages (window updates, dead letters) they produced. Its input offsets may be
/// stored for commit only once every one of those messages is acknowledged by the broker.
/// </summary>
internal sealed class PendingBatch
{
    // Starts at 1: the batch itself holds one count until sealed, so it cannot complete while still being filled.
    private int _outstanding = 1;
    private int _failed;

    /// <summary>Next offset to consume per input partition (last consumed + 1), i.e. what to commit.</summary>
    public Dictionary<TopicPartition, Offset> NextOffsets { get; } = [];

    public int MessageCount { get; private set; }

    public bool IsComplete => Volatile.Read(ref _outstanding) == 0;

    public bool HasFailed => Volatile.Read(ref _failed) != 0;

    public void Track(TopicPartitionOffset consumed)
    {
        NextOffsets[consumed.TopicPartition] = consumed.Offset + 1;
        MessageCount++;
    }

    /// <summary>Counts a produced message whose delivery report is still to come.</summary>
    public void AddOutstanding() => Interlocked.Increment(ref _outstanding);

    /// <summary>Called from the producer's delivery-report thread.</summary>
    public void Delivered(bool succeeded)
    {
        if (!succeeded)
        {
            Volatile.Write(ref _failed, 1);
        }

        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>No more messages will be added.</summary>
    public void Seal() => Interlocked.Decrement(ref _outstanding);
}
