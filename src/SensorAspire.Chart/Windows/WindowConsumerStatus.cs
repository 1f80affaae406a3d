namespace SensorAspire.Chart.Windows;

/// <summary>What the window consumer has reached, for the health check and logs.</summary>
public sealed class WindowConsumerStatus
{
    private int _assignedPartitions;
    private long _messagesRead;

    public int AssignedPartitions => Volatile.Read(ref _assignedPartitions);

    public long MessagesRead => Interlocked.Read(ref _messagesRead);

    internal void PartitionsAssigned(int total) => Volatile.Write(ref _assignedPartitions, total);

    internal void MessageRead() => Interlocked.Increment(ref _messagesRead);
}
