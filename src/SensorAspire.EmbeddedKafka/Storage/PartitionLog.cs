using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// One partition: an ordered list of <see cref="LogSegment"/>s, the offsets, idempotent-producer state, and the parked
/// Fetches to wake on append. One lock per partition guards all of it; appends and reads are short (a copy, a write
/// call and an index lookup) and never await inside the lock. Retention drops whole segments from the head;
/// compaction rewrites the closed segments off the lock and swaps them in under it.
/// </summary>
internal sealed class PartitionLog
{
    /// <summary>The first segment grows from this size, so idle partitions stay cheap; later ones are allocated at full size once.</summary>
    private const int InitialSegmentCapacity = 16 * 1024;

    /// <summary>Leader epoch stamped into every batch and reported in Metadata; constant on a single node.</summary>
    public const int LeaderEpoch = 0;

    private readonly Lock _gate = new();
    private readonly Lock _cleaning = new();
    private readonly List<LogSegment> _segments = [];
    private readonly Dictionary<long, ProducerState> _producers = [];
    private readonly LogConfig _config;
    private readonly string? _directory;
    private readonly TimeProvider _time;
    private List<FetchWaiter> _waiters = [];
    private long _logEndOffset;
    private long _size;
    private long _cleanBytes;
    private int _compactionRequests;
    private bool _closed;

    /// <param name="directory">The partition's directory in the data directory (recovered from if it holds segments), or null for memory only.</param>
    public PartitionLog(string topic, int index, LogConfig config, string? directory = null, TimeProvider? time = null)
    {
        Topic = topic;
        Index = index;
        _config = config;
        _directory = directory;
        _time = time ?? TimeProvider.System;
        if (directory is null)
        {
            _segments.Add(new LogSegment(0, Math.Min(InitialSegmentCapacity, config.SegmentBytes)));
            return;
        }

        Directory.CreateDirectory(directory);
        Recover(directory);
    }

    public string Topic { get; }

    public int Index { get; }

    public LogConfig Config => _config;

    /// <summary>Bytes cut off torn segment tails when the log was recovered from disk.</summary>
    public long RecoveredTruncatedBytes { get; private set; }

    /// <summary>The largest producer id seen while recovering, so a restarted broker never hands it out again.</summary>
    public long MaxRecoveredProducerId { get; private set; } = -1;

    /// <summary>Single node: the high watermark is the log end offset as soon as an append returns.</summary>
    public long HighWatermark => Volatile.Read(ref _logEndOffset);

    public long LogStartOffset
    {
        get
        {
            lock (_gate)
            {
                return _segments[0].BaseOffset;
            }
        }
    }

    /// <summary>Bytes stored (all segments), which retention.bytes bounds.</summary>
    public long Size
    {
        get
        {
            lock (_gate)
            {
                return _size;
            }
        }
    }

    /// <summary>Bytes of this log held in memory (with a data directory: the active segment's buffer only).</summary>
    public long ResidentBytes
    {
        get
        {
            lock (_gate)
            {
                return _segments.Sum(segment => (long)segment.ResidentBytes);
            }
        }
    }

    public int SegmentCount
    {
        get
        {
            lock (_gate)
            {
                return _segments.Count;
            }
        }
    }

    private string SegmentPath(long baseOffset) => Path.Combine(_directory!, LogSegment.FileName(baseOffset));

    private LogSegment NewSegment(long baseOffset, int capacity) =>
        new(baseOffset, capacity, _directory is null ? null : SegmentPath(baseOffset));

    /// <summary>
    /// Reads the segment files back in offset order, cutting a torn tail, and rebuilds producer state from the
    /// batch headers. Leftovers of an interrupted compaction are resolved here: unfinished output (*.cleaned) is
    /// deleted, and an original segment that starts below the end of the (already renamed) compacted one before it
    /// is dropped, its surviving records being in that compacted segment.
    /// </summary>
    private void Recover(string directory)
    {
        foreach (var unfinished in Directory.EnumerateFiles(directory, "*.cleaned"))
        {
            File.Delete(unfinished);
        }

        var files = Directory.EnumerateFiles(directory, "*.log")
            .Select(path => (Path: path, Base: long.TryParse(Path.GetFileNameWithoutExtension(path), out var b) ? b : -1))
            .Where(file => file.Base >= 0)
            .OrderBy(file => file.Base);
        foreach (var (path, baseOffset) in files)
        {
            var (segment, truncated) = LogSegment.Recover(path, baseOffset);
            if (_segments.Count > 0 && baseOffset < _segments[^1].NextOffset)
            {
                segment.Delete();
                continue;
            }

            RecoveredTruncatedBytes += truncated;
            _segments.Add(segment);
            _size += segment.Size;
        }

        if (_segments.Count == 0)
        {
            _segments.Add(NewSegment(0, InitialSegmentCapacity));
        }

        _logEndOffset = _segments[^1].NextOffset;
        foreach (var segment in _segments)
        {
            for (var i = 0; i < segment.BatchCount; i++)
            {
                RecoverProducer(segment.Entry(i), segment.Slice(segment.Entry(i).Position, RecordBatch.HeaderSize).Span);
            }

            // Only the active segment stays in memory; the others are read from their files.
            if (segment != _segments[^1])
            {
                segment.Release();
            }
        }
    }

    private void RecoverProducer(BatchIndexEntry entry, ReadOnlySpan<byte> header)
    {
        var batch = RecordBatch.ReadHeader(header);
        if (batch.ProducerId < 0)
        {
            return;
        }

        if (!_producers.TryGetValue(batch.ProducerId, out var state))
        {
            _producers[batch.ProducerId] = state = new ProducerState(batch.ProducerEpoch);
        }
        else if (batch.ProducerEpoch > state.Epoch)
        {
            state.Reset(batch.ProducerEpoch);
        }

        state.Record(batch.BaseSequence, batch.LastSequence, entry.BaseOffset);
        MaxRecoveredProducerId = Math.Max(MaxRecoveredProducerId, batch.ProducerId);
    }

    /// <summary>Validates and stores every batch in <paramref name="records"/>; returns the error and the first base offset.</summary>
    public (KafkaErrorCode Error, long BaseOffset) Append(ReadOnlySpan<byte> records)
    {
        if (records.IsEmpty)
        {
            return (KafkaErrorCode.InvalidRecord, -1);
        }

        long firstBase = -1;
        var rolled = false;
        var compactDue = false;
        List<FetchWaiter>? toWake = null;
        List<LogSegment>? dropped = null;
        lock (_gate)
        {
            if (_closed)
            {
                return (KafkaErrorCode.UnknownTopicOrPartition, -1);
            }

            while (!records.IsEmpty)
            {
                var error = RecordBatch.TryParse(records, out var batch);
                if (error != KafkaErrorCode.None)
                {
                    return (error, -1);
                }

                var bytes = records[..batch.TotalSize];
                records = records[batch.TotalSize..];
                var (sequenceError, duplicateOffset) = CheckSequence(batch);
                if (sequenceError != KafkaErrorCode.None)
                {
                    return (sequenceError, -1);
                }

                if (duplicateOffset is { } original)
                {
                    firstBase = firstBase < 0 ? original : firstBase;
                    continue;
                }

                var baseOffset = _logEndOffset;
                var segment = _segments[^1];
                try
                {
                    if (segment.Size > 0 && segment.Size + bytes.Length > _config.SegmentBytes)
                    {
                        segment = Roll(baseOffset, bytes.Length);
                        rolled = true;
                    }

                    segment.Append(bytes, baseOffset, LeaderEpoch, batch);
                    if (_config.SyncWrites)
                    {
                        segment.Flush();
                    }
                }
                catch (IOException)
                {
                    // Disk full or gone: nothing was indexed, the producer retries (Kafka answers the same error).
                    return (KafkaErrorCode.KafkaStorageError, -1);
                }

                _size += bytes.Length;
                if (batch.ProducerId >= 0)
                {
                    _producers[batch.ProducerId].Record(batch.BaseSequence, batch.LastSequence, baseOffset);
                }

                Volatile.Write(ref _logEndOffset, baseOffset + batch.LastOffsetDelta + 1);
                firstBase = firstBase < 0 ? baseOffset : firstBase;
            }

            if (_waiters.Count > 0)
            {
                toWake = _waiters;
                _waiters = [];
            }

            // Size retention is checked on every append (a comparison unless a segment is due to go), so memory and
            // disk never pass retention.bytes by more than one segment, however fast producers are; time retention
            // waits for the cleaner.
            if (_config.Delete && _config.RetentionBytes >= 0)
            {
                dropped = DropBySize();
            }

            // Kafka's min.cleanable.dirty.ratio 0.5: compact once the closed segments written since the last
            // compaction are at least as big as its output, so a log of unique keys is not rewritten on every roll.
            var closedBytes = _size - _segments[^1].Size;
            compactDue = _config is { Compact: true, CompactOnRoll: true } && closedBytes - Math.Min(_cleanBytes, closedBytes) >= Math.Min(_cleanBytes, closedBytes);
        }

        DeleteSegments(dropped);
        if (rolled && compactDue)
        {
            // Compaction reads and rewrites closed segments off the lock; a roll is when there is something new to compact.
            if (Interlocked.Increment(ref _compactionRequests) == 1)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static log => log.CompactInBackground(), this, preferLocal: false);
            }
        }

        if (toWake is not null)
        {
            foreach (var waiter in toWake)
            {
                waiter.Wake();
            }
        }

        return (KafkaErrorCode.None, firstBase);
    }

    /// <summary>
    /// Starts a new active segment (caller holds the lock). Allocated at full size up to 16 MiB, so a busy partition
    /// never copies (and leaves no garbage) while growing; bigger segment.bytes values grow by doubling from there.
    /// </summary>
    private LogSegment Roll(long baseOffset, int firstBatchLength)
    {
        _segments[^1].Release();
        var segment = NewSegment(baseOffset, Math.Max(Math.Min(_config.SegmentBytes, 16 * 1024 * 1024), firstBatchLength));
        _segments.Add(segment);
        return segment;
    }

    /// <summary>
    /// Applies retention now (the cleaner calls this periodically, tests directly): with cleanup.policy delete, drops
    /// whole segments from the head while the log is over retention.bytes (never the active segment) and while a
    /// segment's newest record is older than retention.ms (the active one too: the log is then empty and starts at its
    /// end offset). Returns the bytes dropped. The log start offset moves to the first remaining segment.
    /// </summary>
    public long ApplyRetention(long nowMs)
    {
        List<LogSegment>? dropped;
        lock (_gate)
        {
            if (_closed || !_config.Delete)
            {
                return 0;
            }

            dropped = DropByTime(nowMs);
            if (_config.RetentionBytes >= 0)
            {
                (dropped ??= []).AddRange(DropBySize() ?? []);
            }
        }

        DeleteSegments(dropped);
        return dropped?.Sum(segment => (long)segment.Size) ?? 0;
    }

    private List<LogSegment>? DropByTime(long nowMs)
    {
        if (_config.RetentionMs < 0)
        {
            return null;
        }

        List<LogSegment>? dropped = null;
        var limit = nowMs - _config.RetentionMs;
        while (_segments[0] is var head && (head.BatchCount == 0 ? _segments.Count > 1 : head.MaxTimestamp < limit))
        {
            if (_segments.Count == 1)
            {
                // Everything expired: an empty active segment at the log end keeps offsets going (and survives a restart).
                _segments.Add(NewSegment(_logEndOffset, InitialSegmentCapacity));
            }

            (dropped ??= []).Add(Remove());
        }

        return dropped;
    }

    private List<LogSegment>? DropBySize()
    {
        List<LogSegment>? dropped = null;
        while (_segments.Count > 1 && _size - _segments[0].Size >= _config.RetentionBytes)
        {
            (dropped ??= []).Add(Remove());
        }

        return dropped;
    }

    private LogSegment Remove()
    {
        var head = _segments[0];
        _segments.RemoveAt(0);
        _size -= head.Size;
        return head;
    }

    /// <summary>Deletes dropped segments' files outside the lock; their memory goes once no Fetch holds a slice.</summary>
    private static void DeleteSegments(List<LogSegment>? dropped)
    {
        foreach (var segment in dropped ?? [])
        {
            segment.Delete();
        }
    }

    /// <summary>
    /// Compacts the closed segments (cleanup.policy compact): keys are collected from the whole log, survivors are
    /// written into new segments grouped from whole original segments (so an interrupted swap is recoverable), off
    /// the partition lock, and swapped in under it only if retention did not change the head meanwhile. With
    /// <paramref name="wait"/> false a compaction already running makes this return at once. Returns whether the log changed.
    /// </summary>
    public bool Compact(bool wait)
    {
        if (!_config.Compact || (wait ? !Enter(_cleaning) : !_cleaning.TryEnter()))
        {
            return false;
        }

        try
        {
            List<LogSegment> closed;
            LogSegment active;
            int activeBatches;
            lock (_gate)
            {
                if (_closed || _segments.Count < 2)
                {
                    return false;
                }

                closed = _segments[..^1];
                active = _segments[^1];
                activeBatches = active.BatchCount;
            }

            var (latest, lastBatchOfProducer) = LogCompactor.LatestOffsets([.. closed.Select(segment => (segment, segment.BatchCount)), (active, activeBatches)]);
            var tombstoneLimit = _time.GetUtcNow().ToUnixTimeMilliseconds() - _config.DeleteRetentionMs;
            var output = new List<LogSegment>();
            foreach (var original in closed)
            {
                var survivors = LogCompactor.Compact(original, latest, lastBatchOfProducer, tombstoneLimit);
                var bytes = survivors.Sum(survivor => survivor.Bytes.Length);
                if (output.Count == 0 || output[^1].Size + bytes > _config.SegmentBytes)
                {
                    output.Add(new LogSegment(original.BaseOffset, Math.Max(bytes, 1), _directory is null ? null : SegmentPath(original.BaseOffset) + ".cleaned"));
                }

                foreach (var (batch, entry) in survivors)
                {
                    output[^1].AppendStored(batch.Span, entry.BaseOffset, entry.LastOffset, entry.MaxTimestamp);
                }
            }

            var closedBytes = closed.Sum(segment => (long)segment.Size);
            if (output.Count == closed.Count && output.Sum(segment => (long)segment.Size) == closedBytes)
            {
                // Nothing to drop and nothing to merge: keep the originals rather than swap in an identical copy.
                DeleteSegments(output);
                lock (_gate)
                {
                    _cleanBytes = closedBytes;
                }

                return false;
            }

            return Swap(closed, output);
        }
        finally
        {
            _cleaning.Exit();
        }
    }

    /// <summary>
    /// Compactions requested by rolls, one worker per partition: it runs again while rolls asked for more during a run,
    /// so the end of a burst is compacted too. A failure (disk full, say) must not end the process; the next roll or
    /// cleaner tick retries.
    /// </summary>
    private void CompactInBackground()
    {
        int seen;
        do
        {
            seen = Volatile.Read(ref _compactionRequests);
            try
            {
                Compact(wait: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                // ObjectDisposedException: retention deleted a segment this pass was reading; the next pass starts afresh.
                BackgroundFailures++;
            }
        }
        while (Interlocked.Add(ref _compactionRequests, -seen) > 0);
    }

    /// <summary>Background compactions that failed on I/O (they are retried on the next roll and by the cleaner).</summary>
    public int BackgroundFailures { get; private set; }

    private static bool Enter(Lock gate)
    {
        gate.Enter();
        return true;
    }

    private bool Swap(List<LogSegment> closed, List<LogSegment> output)
    {
        lock (_gate)
        {
            var unchanged = !_closed && _segments.Count > closed.Count;
            for (var i = 0; unchanged && i < closed.Count; i++)
            {
                unchanged = ReferenceEquals(_segments[i], closed[i]);
            }

            if (!unchanged)
            {
                DeleteSegments(output);
                return false;
            }

            // Renames first (each replaces the original with the same base offset atomically), then the other originals go.
            foreach (var segment in output)
            {
                if (_directory is not null)
                {
                    segment.MoveTo(SegmentPath(segment.BaseOffset));
                    segment.Release();
                }
            }

            var replaced = output.Select(segment => segment.BaseOffset).ToHashSet();
            foreach (var original in closed)
            {
                if (replaced.Contains(original.BaseOffset))
                {
                    original.Dispose();
                }
                else
                {
                    original.Delete();
                }
            }

            _segments.RemoveRange(0, closed.Count);
            _segments.InsertRange(0, output);
            _size = _segments.Sum(segment => (long)segment.Size);
            _cleanBytes = output.Sum(segment => (long)segment.Size);
            return true;
        }
    }

    /// <summary>Idempotence check (caller holds the lock): in order appends, a cached retry returns its offset, a gap fails.</summary>
    private (KafkaErrorCode Error, long? Duplicate) CheckSequence(RecordBatch batch)
    {
        if (batch.ProducerId < 0)
        {
            return (KafkaErrorCode.None, null);
        }

        if (!_producers.TryGetValue(batch.ProducerId, out var state))
        {
            // A producer this partition holds no state for (new to it, deleted by retention, or from before the partition
            // was created again) may continue at any sequence: Kafka accepts it since 2.5 (ProducerAppendInfo.checkSequence,
            // KIP-360), so a producer that outlives an emptied broker goes on instead of failing fatally.
            _producers[batch.ProducerId] = new ProducerState(batch.ProducerEpoch);
            return (KafkaErrorCode.None, null);
        }

        if (batch.ProducerEpoch < state.Epoch)
        {
            return (KafkaErrorCode.InvalidProducerEpoch, null);
        }

        if (batch.ProducerEpoch > state.Epoch)
        {
            if (batch.BaseSequence != 0)
            {
                return (KafkaErrorCode.OutOfOrderSequenceNumber, null);
            }

            state.Reset(batch.ProducerEpoch);
            return (KafkaErrorCode.None, null);
        }

        if (state.FindDuplicate(batch.BaseSequence, batch.LastSequence) is { } original)
        {
            return (KafkaErrorCode.None, original);
        }

        return state.IsNextInOrder(batch.BaseSequence) ? (KafkaErrorCode.None, null) : (KafkaErrorCode.OutOfOrderSequenceNumber, null);
    }

    /// <summary>
    /// Whole batches from the one containing <paramref name="offset"/>, up to <paramref name="maxBytes"/> but always at
    /// least one when <paramref name="atLeastOne"/> (KIP-74). Returns the error (offset out of range) and the bytes added.
    /// </summary>
    public (KafkaErrorCode Error, int Bytes) Read(long offset, int maxBytes, bool atLeastOne, List<ReadOnlyMemory<byte>> into)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return (KafkaErrorCode.UnknownTopicOrPartition, 0);
            }

            if (offset < _segments[0].BaseOffset || offset > _logEndOffset)
            {
                return (KafkaErrorCode.OffsetOutOfRange, 0);
            }

            var total = 0;
            var segmentIndex = FindSegment(offset);
            for (var s = segmentIndex; s < _segments.Count; s++)
            {
                var segment = _segments[s];
                var first = s == segmentIndex ? segment.FindBatch(offset) : 0;
                var last = first;
                var runBytes = 0;
                while (last < segment.BatchCount)
                {
                    var length = segment.Entry(last).Length;
                    if (total + runBytes + length > maxBytes && !(atLeastOne && total + runBytes == 0))
                    {
                        break;
                    }

                    runBytes += length;
                    last++;
                }

                if (runBytes > 0)
                {
                    into.Add(segment.Slice(segment.Entry(first).Position, runBytes));
                    total += runBytes;
                }

                if (last < segment.BatchCount)
                {
                    break;
                }
            }

            return (KafkaErrorCode.None, total);
        }
    }

    private int FindSegment(long offset)
    {
        for (var s = _segments.Count - 1; s > 0; s--)
        {
            if (_segments[s].BaseOffset <= offset)
            {
                return s;
            }
        }

        return 0;
    }

    /// <summary>
    /// The first offset whose record timestamp is at or after <paramref name="timestamp"/>, with that timestamp, or (-1, -1).
    /// Uncompressed batches are searched record by record; a compressed batch answers with its base offset.
    /// </summary>
    public (long Offset, long Timestamp) OffsetForTimestamp(long timestamp)
    {
        lock (_gate)
        {
            foreach (var segment in _segments)
            {
                for (var i = 0; i < segment.BatchCount; i++)
                {
                    var entry = segment.Entry(i);
                    if (entry.MaxTimestamp < timestamp)
                    {
                        continue;
                    }

                    var bytes = segment.Slice(entry.Position, entry.Length).Span;
                    return RecordScanner.FindTimestamp(bytes, entry.BaseOffset, timestamp) ?? (entry.BaseOffset, entry.MaxTimestamp);
                }
            }

            return (-1, -1);
        }
    }

    /// <summary>The base offset and max timestamp of the batch with the largest timestamp, or (-1, -1) when empty.</summary>
    public (long Offset, long Timestamp) OffsetOfMaxTimestamp()
    {
        lock (_gate)
        {
            (long Offset, long Timestamp) best = (-1, -1);
            foreach (var segment in _segments)
            {
                for (var i = 0; i < segment.BatchCount; i++)
                {
                    var entry = segment.Entry(i);
                    if (entry.MaxTimestamp > best.Timestamp)
                    {
                        best = (entry.BaseOffset, entry.MaxTimestamp);
                    }
                }
            }

            return best;
        }
    }

    /// <summary>Registers a parked Fetch; returns false when data past <paramref name="offset"/> already exists (do not park).</summary>
    public bool AddWaiter(FetchWaiter waiter, long offset)
    {
        lock (_gate)
        {
            if (_closed || _logEndOffset > offset)
            {
                return false;
            }

            _waiters.Add(waiter);
            return true;
        }
    }

    public void RemoveWaiter(FetchWaiter waiter)
    {
        lock (_gate)
        {
            _waiters.Remove(waiter);
        }
    }

    /// <summary>Topic deleted or broker stopping: wake parked Fetches so they answer now, fsync and close the segment files.</summary>
    public void Close()
    {
        List<FetchWaiter> toWake;
        lock (_gate)
        {
            _closed = true;
            toWake = _waiters;
            _waiters = [];
            foreach (var segment in _segments)
            {
                try
                {
                    segment.Flush();
                }
                catch (IOException)
                {
                    // Deleted from under us or disk gone: nothing more can be saved.
                }

                segment.Dispose();
            }
        }

        foreach (var waiter in toWake)
        {
            waiter.Wake();
        }
    }
}
