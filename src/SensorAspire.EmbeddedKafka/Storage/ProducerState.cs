namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// Idempotence state of one producer on one partition (guide section 11): its epoch, the last sequence, and the
/// last five batches so a retried batch is answered with its original offset instead of being stored twice.
/// Five matches librdkafka's and Kafka's max.in.flight limit for idempotent producers.
/// </summary>
internal sealed class ProducerState(short epoch)
{
    private const int Remembered = 5;
    private readonly (int FirstSequence, int LastSequence, long BaseOffset)[] _recent = new (int, int, long)[Remembered];
    private int _count;
    private int _next;

    public short Epoch { get; private set; } = epoch;

    public int LastSequence { get; private set; } = -1;

    public void Reset(short epoch)
    {
        Epoch = epoch;
        LastSequence = -1;
        _count = 0;
        _next = 0;
    }

    public long? FindDuplicate(int firstSequence, int lastSequence)
    {
        for (var i = 0; i < _count; i++)
        {
            var entry = _recent[i];
            if (entry.FirstSequence == firstSequence && entry.LastSequence == lastSequence)
            {
                return entry.BaseOffset;
            }
        }

        return null;
    }

    public bool IsNextInOrder(int firstSequence) =>
        LastSequence < 0 ? firstSequence == 0 : firstSequence == (LastSequence == int.MaxValue ? 0 : LastSequence + 1);

    public void Record(int firstSequence, int lastSequence, long baseOffset)
    {
        _recent[_next] = (firstSequence, lastSequence, baseOffset);
        _next = (_next + 1) % Remembered;
        _count = Math.Min(_count + 1, Remembered);
        LastSequence = lastSequence;
    }
}
