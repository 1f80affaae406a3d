namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// A contiguous run of stored batches plus their index: the unit retention drops and compaction rewrites. Bytes
/// below <see cref="Size"/> never change once written, so Fetch hands out slices of them after the partition lock is
/// released; growing the buffer copies, and slices of the old buffer stay valid.
/// With a data directory the segment is also an append-only file holding exactly the same bytes: every append is
/// written to the file (to the OS, one write call) before it is indexed, so a Produce is answered only once its
/// batch has reached the OS. While the segment is active the memory buffer is a write-through cache that Fetch
/// reads from; once it is closed the buffer is released and reads go to the file (the OS page cache).
/// </summary>
internal sealed class LogSegment : IDisposable
{
    private byte[]? _buffer;
    private BatchIndexEntry[] _index = new BatchIndexEntry[16];
    private FileStream? _file;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _handle;

    public LogSegment(long baseOffset, int initialCapacity, string? path = null)
    {
        BaseOffset = baseOffset;
        _buffer = new byte[initialCapacity];
        if (path is not null)
        {
            _file = OpenFile(path, FileMode.Create);
            Path = path;
        }
    }

    private LogSegment(long baseOffset, byte[] contents, string path)
    {
        BaseOffset = baseOffset;
        _buffer = contents;
        Path = path;
    }

    public long BaseOffset { get; }

    /// <summary>The segment file, or null when the log is memory-only.</summary>
    public string? Path { get; private set; }

    public int Size { get; private set; }

    public int BatchCount { get; private set; }

    /// <summary>The largest record timestamp stored here (time retention drops a segment once it is older than the limit).</summary>
    public long MaxTimestamp { get; private set; } = -1;

    /// <summary>Offset after the last stored record (equals BaseOffset when empty).</summary>
    public long NextOffset => BatchCount == 0 ? BaseOffset : _index[BatchCount - 1].LastOffset + 1;

    public BatchIndexEntry Entry(int index) => _index[index];

    /// <summary>Bytes held in memory: the buffer while active (or always without a file), none once released.</summary>
    public int ResidentBytes => _buffer?.Length ?? 0;

    /// <summary>File name of a segment: its base offset, zero-padded so names sort like offsets (Kafka's layout).</summary>
    public static string FileName(long baseOffset) => $"{baseOffset:D20}.log";

    /// <summary>Stores a batch received from a producer, stamping the two broker-owned fields.</summary>
    public void Append(ReadOnlySpan<byte> batch, long baseOffset, int leaderEpoch, RecordBatch header)
    {
        var stored = Reserve(batch);
        RecordBatch.StampOffsets(stored, baseOffset, leaderEpoch);
        Commit(stored, new BatchIndexEntry(baseOffset, baseOffset + header.LastOffsetDelta, header.MaxTimestamp, Size, batch.Length));
    }

    /// <summary>Stores an already stamped batch (compaction output, recovery), whose offsets may have gaps.</summary>
    public void AppendStored(ReadOnlySpan<byte> batch, long baseOffset, long lastOffset, long maxTimestamp)
    {
        var stored = Reserve(batch);
        Commit(stored, new BatchIndexEntry(baseOffset, lastOffset, maxTimestamp, Size, batch.Length));
    }

    private Span<byte> Reserve(ReadOnlySpan<byte> batch)
    {
        if (_buffer is null)
        {
            throw new InvalidOperationException("A released segment is closed: only the active segment takes appends.");
        }

        if (_buffer.Length - Size < batch.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Size + batch.Length));
        }

        var stored = _buffer.AsSpan(Size, batch.Length);
        batch.CopyTo(stored);
        return stored;
    }

    private void Commit(ReadOnlySpan<byte> stored, BatchIndexEntry entry)
    {
        if (_file is not null)
        {
            // Positional: a failed earlier write (disk full) left Size where it was, so this overwrites its remains.
            _file.Position = Size;
            _file.Write(stored);
        }

        if (BatchCount == _index.Length)
        {
            Array.Resize(ref _index, _index.Length * 2);
        }

        _index[BatchCount++] = entry;
        MaxTimestamp = Math.Max(MaxTimestamp, entry.MaxTimestamp);
        Size += entry.Length;
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

    /// <summary>
    /// Stored bytes: a slice of the buffer (never copied), or for a released segment a fresh array read from the file.
    /// Callers hold the partition lock or, like compaction, work on segments retention may delete meanwhile: a read of
    /// a deleted segment throws <see cref="ObjectDisposedException"/>.
    /// </summary>
    public ReadOnlyMemory<byte> Slice(int position, int length)
    {
        // Compaction reads the active segment off the lock, so it may race a roll's Release: the handle is published first.
        if (Volatile.Read(ref _buffer) is { } buffer)
        {
            return buffer.AsMemory(position, length);
        }

        var handle = _handle ?? throw new ObjectDisposedException(Path);
        var bytes = new byte[length];
        var read = 0;
        while (read < length)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(read), position + read);
            if (n == 0)
            {
                throw new IOException($"Segment file {Path} is shorter than its index.");
            }

            read += n;
        }

        return bytes;
    }

    /// <summary>
    /// A closed segment with a file gives up its memory copy; from now on reads go to the file. Without a file
    /// (memory only) the buffer is the data and stays.
    /// </summary>
    public void Release()
    {
        if (_file is not null && _buffer is not null)
        {
            _handle = _file.SafeFileHandle;
            Volatile.Write(ref _buffer, null);
        }
    }

    /// <summary>
    /// Reads a segment file back: every whole batch whose length and CRC check out, in order. A torn or corrupt tail
    /// (the write the process died in) is cut off the file, so appends continue right after the last good batch.
    /// Returns the segment and the number of bytes cut.
    /// </summary>
    public static (LogSegment Segment, long Truncated) Recover(string path, long baseOffset)
    {
        var contents = File.ReadAllBytes(path);
        var segment = new LogSegment(baseOffset, contents, path);
        var position = 0;
        while (position < contents.Length)
        {
            var bytes = contents.AsSpan(position);
            if (RecordBatch.TryParseStored(bytes, out var header, out var storedBase) != 0)
            {
                break;
            }

            segment.AddRecovered(new BatchIndexEntry(storedBase, storedBase + header.LastOffsetDelta, header.MaxTimestamp, position, header.TotalSize));
            position += header.TotalSize;
        }

        segment._file = OpenFile(path, FileMode.Open);
        var truncated = contents.Length - position;
        if (truncated > 0)
        {
            segment._file.SetLength(position);
            segment._file.Flush(flushToDisk: true);
        }

        return (segment, truncated);
    }

    private void AddRecovered(BatchIndexEntry entry)
    {
        if (BatchCount == _index.Length)
        {
            Array.Resize(ref _index, _index.Length * 2);
        }

        _index[BatchCount++] = entry;
        MaxTimestamp = Math.Max(MaxTimestamp, entry.MaxTimestamp);
        Size = entry.Position + entry.Length;
    }

    /// <summary>
    /// fsync: called after every append with SyncWrites and when the log closes (a compacted segment is fsynced as it
    /// takes its final name, <see cref="MoveTo"/>). A rolled segment is not: Kafka flushes it in the background on roll
    /// (LocalLog.roll), this broker leaves it to the OS until it closes.
    /// </summary>
    public void Flush() => _file?.Flush(flushToDisk: true);

    /// <summary>Gives a compacted segment (written under a temporary name) its final name, replacing the original's file atomically.</summary>
    public void MoveTo(string path)
    {
        if (_file is null || Path is null)
        {
            return;
        }

        _file.Flush(flushToDisk: true);
        File.Move(Path, path, overwrite: true);
        Path = path;
    }

    /// <summary>Drops the file (retention, topic deletion); memory goes once no Fetch still holds a slice.</summary>
    public void Delete()
    {
        Dispose();
        if (Path is not null)
        {
            File.Delete(Path);
        }
    }

    public void Dispose()
    {
        _file?.Dispose();
        _file = null;
        _handle = null;
    }

    // bufferSize 0: every Write is one write call straight to the OS, nothing lingers in a managed buffer.
    private static FileStream OpenFile(string path, FileMode mode) =>
        new(path, mode, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, bufferSize: 0);
}
