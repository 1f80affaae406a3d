namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// A contiguous run of stored batches plus their index, the unit retention drops and persistence (issue 6) would back
/// with an append-only file. Bytes below <see cref="Size"/> never change once written, so Fetch hands out slices of
/// them after the partition lock is released; growing the buffer copies, and slices of the old buffer stay valid.
/// </summary>
internal sealed class LogSegment(long baseOffset, int initialCapacity)
{
    private byte[] _buffer = new byte[initialCapacity];
    private BatchIndexEntry[] _index = new BatchIndexEntry[16];

    public long BaseOffset { get; } = baseOffset;

    public int Size { get; private set; }

    public int BatchCount { get; private set; }

    /// <summary>Offset after the last stored record (equals BaseOffset when empty).</summary>
    public long NextOffset => BatchCount == 0 ? BaseOffset : _index[BatchCount - 1].LastOffset + 1;

    public BatchIndexEntry Entry(int index) => _index[index];

    public void Append(ReadOnlySpan<byte> batch, long baseOffset, int leaderEpoch, RecordBatch header)
    {
        if (_buffer.Length - Size < batch.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Size + batch.Length));
        }

        var stored = _buffer.AsSpan(Size, batch.Length);
        batch.CopyTo(stored);
        RecordBatch.StampOffsets(stored, baseOffset, leaderEpoch);
        if (BatchCount == _index.Length)
        {
            Array.Resize(ref _index, _index.Length * 2);
        }

        _index[BatchCount++] = new BatchIndexEntry(baseOffset, baseOffset + header.LastOffsetDelta, header.MaxTimestamp, Size, batch.Length);
        Size += batch.Length;
    }

    /// <summary>Index of the first batch whose last offset is at or after <paramref name="offset"/> (the batch containing it), or BatchCount.</summary>
    public int FindBatch(long offset)
    {
        int low = 0, high = BatchCount - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_index[mid].LastOffset < offset)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }

    public ReadOnlyMemory<byte> Slice(int position, int length) => _buffer.AsMemory(position, length);
}
