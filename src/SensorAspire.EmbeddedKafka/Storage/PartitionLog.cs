using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// One partition: an ordered list of <see cref="LogSegment"/>s, the offsets, idempotent-producer state, and the parked
/// Fetches to wake on append. One lock per partition guards all of it; appends and reads are short (a copy and an
/// index lookup) and never await inside the lock. Retention and compaction (issue 6) drop or rewrite whole segments,
/// which is why reads go through the segment list rather than one big buffer.
/// </summary>
internal sealed class PartitionLog(string topic, int index)
{
    /// <summary>
    /// A new segment starts when the current one would pass this size. Small, because segments live in memory: the
    /// first one grows from <see cref="InitialSegmentCapacity"/> (idle partitions stay cheap), later ones are allocated
    /// at full size once (a busy partition never copies while growing), and a Fetch spanning segments just returns
    /// one slice per segment.
    /// </summary>
    internal const int SegmentBytes = 1024 * 1024;
    private const int InitialSegmentCapacity = 16 * 1024;

    /// <summary>Leader epoch stamped into every batch and reported in Metadata; constant on a single node.</summary>
    public const int LeaderEpoch = 0;

    private readonly Lock _gate = new();
    private readonly List<LogSegment> _segments = [new LogSegment(0, InitialSegmentCapacity)];
    private readonly Dictionary<long, ProducerState> _producers = [];
    private List<FetchWaiter> _waiters = [];
    private long _logEndOffset;
    private bool _closed;

    public string Topic { get; } = topic;

    public int Index { get; } = index;

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

    /// <summary>Validates and stores every batch in <paramref name="records"/>; returns the error and the first base offset.</summary>
    public (short Error, long BaseOffset) Append(ReadOnlySpan<byte> records)
    {
        if (records.IsEmpty)
        {
            return (ErrorCode.InvalidRecord, -1);
        }

        long firstBase = -1;
        List<FetchWaiter>? toWake = null;
        lock (_gate)
        {
            if (_closed)
            {
                return (ErrorCode.UnknownTopicOrPartition, -1);
            }

            while (!records.IsEmpty)
            {
                var error = RecordBatch.TryParse(records, out var batch);
                if (error != ErrorCode.None)
                {
                    return (error, -1);
                }

                var bytes = records[..batch.TotalSize];
                records = records[batch.TotalSize..];
                var (sequenceError, duplicateOffset) = CheckSequence(batch);
                if (sequenceError != ErrorCode.None)
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
                if (segment.Size > 0 && segment.Size + bytes.Length > SegmentBytes)
                {
                    segment = new LogSegment(baseOffset, Math.Max(SegmentBytes, bytes.Length));
                    _segments.Add(segment);
                }

                segment.Append(bytes, baseOffset, LeaderEpoch, batch);
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
        }

        if (toWake is not null)
        {
            foreach (var waiter in toWake)
            {
                waiter.Wake();
            }
        }

        return (ErrorCode.None, firstBase);
    }

    /// <summary>Idempotence check (caller holds the lock): in order appends, a cached retry returns its offset, a gap fails.</summary>
    private (short Error, long? Duplicate) CheckSequence(RecordBatch batch)
    {
        if (batch.ProducerId < 0)
        {
            return (ErrorCode.None, null);
        }

        if (!_producers.TryGetValue(batch.ProducerId, out var state))
        {
            if (batch.BaseSequence != 0)
            {
                return (ErrorCode.OutOfOrderSequenceNumber, null);
            }

            _producers[batch.ProducerId] = new ProducerState(batch.ProducerEpoch);
            return (ErrorCode.None, null);
        }

        if (batch.ProducerEpoch < state.Epoch)
        {
            return (ErrorCode.InvalidProducerEpoch, null);
        }

        if (batch.ProducerEpoch > state.Epoch)
        {
            if (batch.BaseSequence != 0)
            {
                return (ErrorCode.OutOfOrderSequenceNumber, null);
            }

            state.Reset(batch.ProducerEpoch);
            return (ErrorCode.None, null);
        }

        if (state.FindDuplicate(batch.BaseSequence, batch.LastSequence) is { } original)
        {
            return (ErrorCode.None, original);
        }

        return state.IsNextInOrder(batch.BaseSequence) ? (ErrorCode.None, null) : (ErrorCode.OutOfOrderSequenceNumber, null);
    }

    /// <summary>
    /// Whole batches from the one containing <paramref name="offset"/>, up to <paramref name="maxBytes"/> but always at
    /// least one when <paramref name="atLeastOne"/> (KIP-74). Returns the error (offset out of range) and the bytes added.
    /// </summary>
    public (short Error, int Bytes) Read(long offset, int maxBytes, bool atLeastOne, List<ReadOnlyMemory<byte>> into)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return (ErrorCode.UnknownTopicOrPartition, 0);
            }

            if (offset < _segments[0].BaseOffset || offset > _logEndOffset)
            {
                return (ErrorCode.OffsetOutOfRange, 0);
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

            return (ErrorCode.None, total);
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

    /// <summary>Topic deleted or broker stopping: wake parked Fetches so they answer now.</summary>
    public void Close()
    {
        List<FetchWaiter> toWake;
        lock (_gate)
        {
            _closed = true;
            toWake = _waiters;
            _waiters = [];
        }

        foreach (var waiter in toWake)
        {
            waiter.Wake();
        }
    }
}
