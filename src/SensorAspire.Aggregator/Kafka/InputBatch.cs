using SensorAspire.Contracts;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// Input consumed in one pass of the consume loop, and the messages (window updates, dead letters) it produced. Its
/// offsets may be stored for commit only once every one of those messages is acknowledged by the broker.
/// </summary>
internal sealed class InputBatch
{
    private readonly Dictionary<(string Topic, int Partition), SourcePosition> _lastConsumed = [];

    // Starts at 1: the batch itself holds one count until sealed, so it cannot complete while still being filled.
    private int _outstanding = 1;
    private int _failed;

    /// <summary>The last message consumed from each input partition (its next offset is what to commit).</summary>
    public IEnumerable<SourcePosition> LastConsumed => _lastConsumed.Values;

    public int MessageCount { get; private set; }

    public bool IsComplete => Volatile.Read(ref _outstanding) == 0;

    public bool HasFailed => Volatile.Read(ref _failed) != 0;

    public void Track(in SourcePosition consumed)
    {
        _lastConsumed[(consumed.Topic, consumed.Partition)] = consumed;
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
