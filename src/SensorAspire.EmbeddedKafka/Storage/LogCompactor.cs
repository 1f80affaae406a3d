using System.Buffers.Binary;

namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// Log compaction (<c>cleanup.policy=compact</c>): keeps the latest record per key. Works on closed segments only
/// (the active one is never touched, so the log end offset and appends are unaffected), reading keys in batches of
/// every codec (<see cref="BatchCompression"/>); a batch that does not decompress or parse is kept whole. A batch that loses records is rebuilt from the surviving records' bytes (their offset and timestamp deltas
/// stay valid because base offset and base timestamp are kept), with a new record count, length and CRC; its last
/// offset delta is kept, so offsets keep their gaps exactly as in Kafka.
/// </summary>
internal static class LogCompactor
{
    private const int CompressionMask = 0x7;

    /// <summary>
    /// The latest offset of every key in the given batches (later batches override earlier ones), and the base offset
    /// of each idempotent producer's last batch. Keys are looked up by their bytes in place; only a key not seen yet
    /// is copied.
    /// </summary>
    public static (Dictionary<byte[], long> Latest, Dictionary<long, long> LastBatchOfProducer) LatestOffsets(IEnumerable<(LogSegment Segment, int BatchCount)> segments)
    {
        var latest = new Dictionary<byte[], long>(ByteArrayComparer.Instance);
        var byKey = latest.GetAlternateLookup<ReadOnlySpan<byte>>();
        var lastBatchOfProducer = new Dictionary<long, long>();
        foreach (var (segment, batchCount) in segments)
        {
            var contents = Contents(segment, batchCount);
            for (var i = 0; i < batchCount; i++)
            {
                var entry = segment.Entry(i);
                var batch = contents.Slice(entry.Position, entry.Length);
                if (RecordBatch.ReadHeader(batch.Span).ProducerId is var producerId and >= 0)
                {
                    lastBatchOfProducer[producerId] = entry.BaseOffset;
                }

                if (Records(batch) is not { } memory || !IsWellFormed(memory.Span))
                {
                    continue;
                }

                var records = memory.Span;
                var position = 0;
                while (TryRead(records, ref position, out var record))
                {
                    if (record.KeyLength >= 0)
                    {
                        byKey[records.Slice(record.KeyStart, record.KeyLength)] = entry.BaseOffset + record.OffsetDelta;
                    }
                }
            }
        }

        return (latest, lastBatchOfProducer);
    }

    /// <summary>
    /// The batches of <paramref name="segment"/> that survive, each as stored bytes (unchanged, as a slice of the
    /// segment, or rebuilt). Records are dropped when a later record has the same key, when they have no key (Kafka
    /// refuses those on compacted topics), and when they are tombstones (null value) in a batch older than
    /// <paramref name="tombstoneLimitMs"/>. An idempotent producer's last batch is kept whole, as Kafka keeps it:
    /// producer state is rebuilt from the log on restart, and without it the producer's next sequence would look out
    /// of order.
    /// </summary>
    public static List<(ReadOnlyMemory<byte> Bytes, BatchIndexEntry Entry)> Compact(
        LogSegment segment, Dictionary<byte[], long> latest, Dictionary<long, long> lastBatchOfProducer, long tombstoneLimitMs)
    {
        var byKey = latest.GetAlternateLookup<ReadOnlySpan<byte>>();
        var survivors = new List<(ReadOnlyMemory<byte>, BatchIndexEntry)>();
        var kept = new List<(int Start, int Length)>();
        var contents = Contents(segment, segment.BatchCount);
        for (var i = 0; i < segment.BatchCount; i++)
        {
            var entry = segment.Entry(i);
            var batch = contents.Slice(entry.Position, entry.Length);
            var isLastOfProducer = RecordBatch.ReadHeader(batch.Span).ProducerId is var producerId and >= 0
                && lastBatchOfProducer.GetValueOrDefault(producerId, -1) == entry.BaseOffset;
            if (isLastOfProducer || Records(batch) is not { } memory || !IsWellFormed(memory.Span))
            {
                survivors.Add((batch, entry));
                continue;
            }

            var records = memory.Span;
            kept.Clear();
            var all = 0;
            var position = 0;
            while (TryRead(records, ref position, out var record))
            {
                all++;
                if (record.KeyLength >= 0
                    && byKey.TryGetValue(records.Slice(record.KeyStart, record.KeyLength), out var offset)
                    && offset == entry.BaseOffset + record.OffsetDelta
                    && !(record.IsTombstone && entry.MaxTimestamp < tombstoneLimitMs))
                {
                    kept.Add((record.Start, record.Length));
                }
            }

            if (kept.Count == all)
            {
                survivors.Add((batch, entry));
            }
            else if (kept.Count > 0)
            {
                var rebuilt = Rebuild(batch.Span, records, kept);
                survivors.Add((rebuilt, entry with { Length = rebuilt.Length }));
            }
        }

        return survivors;
    }

    /// <summary>The first <paramref name="batchCount"/> batches' bytes in one read (a released segment is read from its file once, not per batch).</summary>
    private static ReadOnlyMemory<byte> Contents(LogSegment segment, int batchCount) =>
        batchCount == 0 ? ReadOnlyMemory<byte>.Empty : segment.Slice(0, segment.Entry(batchCount - 1).Position + segment.Entry(batchCount - 1).Length);

    /// <summary>
    /// The batch's records section (in place when uncompressed, else decompressed); null when it cannot be decompressed
    /// (the batch is then kept whole).
    /// </summary>
    private static ReadOnlyMemory<byte>? Records(ReadOnlyMemory<byte> batch)
    {
        var codec = BinaryPrimitives.ReadInt16BigEndian(batch.Span[21..]) & CompressionMask;
        var body = batch[RecordBatch.HeaderSize..];
        return codec == BatchCompression.None ? body : BatchCompression.Decompress(codec, body.ToArray());
    }

    /// <summary>
    /// Whether every record parses: the CRC only proves the producer sent these bytes, not that they are well-formed,
    /// so a malformed batch is kept whole instead of failing compaction.
    /// </summary>
    private static bool IsWellFormed(ReadOnlySpan<byte> records)
    {
        var position = 0;
        while (TryRead(records, ref position, out _))
        {
        }

        return position == records.Length;
    }

    /// <summary>Reads the record at <paramref name="position"/> and moves past it; false at the end or on a malformed record.</summary>
    private static bool TryRead(ReadOnlySpan<byte> records, ref int position, out Record record)
    {
        record = default;
        if (position >= records.Length)
        {
            return false;
        }

        var cursor = position;
        var length = RecordScanner.ReadVarlong(records, ref cursor);
        if (length <= 0 || length > records.Length - cursor)
        {
            return false;
        }

        var end = cursor + (int)length;
        cursor++; // attributes
        RecordScanner.ReadVarlong(records, ref cursor); // timestamp delta
        var offsetDelta = RecordScanner.ReadVarlong(records, ref cursor);
        var keyLength = RecordScanner.ReadVarlong(records, ref cursor);
        if (offsetDelta is < 0 or > int.MaxValue || keyLength < -1 || keyLength > end - cursor)
        {
            return false;
        }

        var keyStart = cursor;
        cursor += Math.Max(0, (int)keyLength);
        var valueLength = cursor < end ? RecordScanner.ReadVarlong(records, ref cursor) : 0;
        record = new Record(position, end - position, (int)offsetDelta, keyStart, (int)keyLength, valueLength < 0);
        position = end;
        return true;
    }

    private static byte[] Rebuild(ReadOnlySpan<byte> original, ReadOnlySpan<byte> records, List<(int Start, int Length)> kept)
    {
        var body = new MemoryStream();
        foreach (var (start, length) in kept)
        {
            body.Write(records.Slice(start, length));
        }

        var codec = BinaryPrimitives.ReadInt16BigEndian(original[21..]) & CompressionMask;
        var payload = BatchCompression.Compress(codec, body.ToArray(), original[RecordBatch.HeaderSize..].ToArray());

        var rebuilt = new byte[RecordBatch.HeaderSize + payload.Length];
        original[..RecordBatch.HeaderSize].CopyTo(rebuilt);
        payload.CopyTo(rebuilt, RecordBatch.HeaderSize);
        BinaryPrimitives.WriteInt32BigEndian(rebuilt.AsSpan(8), rebuilt.Length - RecordBatch.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(rebuilt.AsSpan(57), kept.Count);
        BinaryPrimitives.WriteUInt32BigEndian(rebuilt.AsSpan(17), RecordBatch.Crc32C(rebuilt.AsSpan(21)));
        return rebuilt;
    }

    /// <summary>A record's place in its batch's records section; <see cref="KeyLength"/> is -1 for a null key.</summary>
    private readonly record struct Record(int Start, int Length, int OffsetDelta, int KeyStart, int KeyLength, bool IsTombstone);

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode(obj.AsSpan());

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = new HashCode();
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
