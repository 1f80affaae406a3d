using Confluent.Kafka;
using SensorAspire.Contracts;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// Input consumed in one pass of the consume loop, and the messages (window updates, dead letters) it produced. Its
/// offsets may be stored for commit only once every one of those messages is acknowledged by the broker.
/// </summary>
internal sealed class InputBatch
{
    // One entry per input partition seen (a handful): a scan, newest partition first, costs less per message than hashing.
    private readonly List<SourcePosition> _lastConsumed = [];

    // Starts at 1: the batch itself holds one count until sealed, so it cannot complete while still being filled.
    private int _outstanding = 1;
    private int _failed;
    private int _failedOtherwise;

    /// <summary>The last message consumed from each input partition (its next offset is what to commit).</summary>
    public IReadOnlyList<SourcePosition> LastConsumed => _lastConsumed;

    public int MessageCount { get; private set; }

    public bool IsComplete => Volatile.Read(ref _outstanding) == 0;

    public bool HasFailed => Volatile.Read(ref _failed) != 0;

    /// <summary>
    /// Every failed delivery failed because its topic no longer exists (librdkafka fails what it holds for a topic that
    /// vanished from the cluster's metadata): the cluster changed under the aggregator, which heals instead of stopping.
    /// </summary>
    public bool FailedOnlyForLostTopics => HasFailed && Volatile.Read(ref _failedOtherwise) == 0;

    public void Track(in SourcePosition consumed)
    {
        MessageCount++;
        for (var i = _lastConsumed.Count - 1; i >= 0; i--)
        {
            var last = _lastConsumed[i];
            if (last.Partition == consumed.Partition && string.Equals(last.Topic, consumed.Topic, StringComparison.Ordinal))
            {
                _lastConsumed[i] = consumed;
                return;
            }
        }

        _lastConsumed.Add(consumed);
    }

    /// <summary>Counts a produced message whose delivery report is still to come.</summary>
    public void AddOutstanding() => Interlocked.Increment(ref _outstanding);

    /// <summary>Called from the producer's delivery-report thread.</summary>
    public void Delivered(ErrorCode error)
    {
        if (error != ErrorCode.NoError)
        {
            Volatile.Write(ref _failed, 1);
            if (!IsLostTopic(error))
            {
                Volatile.Write(ref _failedOtherwise, 1);
            }
        }

        Interlocked.Decrement(ref _outstanding);
    }

    /// <summary>No more messages will be added.</summary>
    public void Seal() => Interlocked.Decrement(ref _outstanding);

    /// <summary>Errors librdkafka reports for messages whose topic or partition is gone from the cluster.</summary>
    public static bool IsLostTopic(ErrorCode error)
        => error is ErrorCode.Local_UnknownPartition or ErrorCode.Local_UnknownTopic or ErrorCode.UnknownTopicOrPart;
}
