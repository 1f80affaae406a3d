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
    /// of each idempotent producer's last batch.
    /// </summary>
    public static (Dictionary<byte[], long> Latest, Dictionary<long, long> LastBatchOfProducer) LatestOffsets(IEnumerable<(LogSegment Segment, int BatchCount)> segments)
    {
        var latest = new Dictionary<byte[], long>(ByteArrayComparer.Instance);
        var lastBatchOfProducer = new Dictionary<long, long>();
        foreach (var (segment, batchCount) in segments)
        {
            var contents = Contents(segment, batchCount);
            for (var i = 0; i < batchCount; i++)
            {
                var entry = segment.Entry(i);
                var batch = contents.Span.Slice(entry.Position, entry.Length);
                if (RecordBatch.ReadHeader(batch).ProducerId is var producerId and >= 0)
                {
                    lastBatchOfProducer[producerId] = entry.BaseOffset;
                }

                if (Records(batch) is not { } records || Parse(records) is not { } parsed)
                {
                    continue;
                }

                foreach (var record in parsed)
                {
                    if (record.Key is { } key)
                    {
                        latest[key] = entry.BaseOffset + record.OffsetDelta;
                    }
                }
            }
        }

        return (latest, lastBatchOfProducer);
    }

    /// <summary>
    /// The batches of <paramref name="segment"/> that survive, each as stored bytes (unchanged or rebuilt). Records
    /// are dropped when a later record has the same key, when they have no key (Kafka refuses those on compacted
    /// topics), and when they are tombstones (null value) in a batch older than <paramref name="tombstoneLimitMs"/>.
    /// An idempotent producer's last batch is kept whole, as Kafka keeps it: producer state is rebuilt from the log on
    /// restart, and without it the producer's next sequence would look out of order.
    /// </summary>
    public static List<(byte[] Bytes, BatchIndexEntry Entry)> Compact(
        LogSegment segment, Dictionary<byte[], long> latest, Dictionary<long, long> lastBatchOfProducer, long tombstoneLimitMs)
    {
        var survivors = new List<(byte[], BatchIndexEntry)>();
        var contents = Contents(segment, segment.BatchCount);
        for (var i = 0; i < segment.BatchCount; i++)
        {
            var entry = segment.Entry(i);
            var batch = contents.Span.Slice(entry.Position, entry.Length);
            var isLastOfProducer = RecordBatch.ReadHeader(batch).ProducerId is var producerId and >= 0
                && lastBatchOfProducer.GetValueOrDefault(producerId, -1) == entry.BaseOffset;
            if (isLastOfProducer || Records(batch) is not { } records || Parse(records) is not { } all)
            {
                survivors.Add((batch.ToArray(), entry));
                continue;
            }

            var kept = all.Where(r => r.Key is { } key
                && latest.TryGetValue(key, out var offset) && offset == entry.BaseOffset + r.OffsetDelta
                && !(r.IsTombstone && entry.MaxTimestamp < tombstoneLimitMs)).ToList();
            if (kept.Count == all.Count)
            {
                survivors.Add((batch.ToArray(), entry));
            }
            else if (kept.Count > 0)
            {
                var rebuilt = Rebuild(batch, records, kept);
                survivors.Add((rebuilt, entry with { Length = rebuilt.Length }));
            }
        }

        return survivors;
    }

    /// <summary>The first <paramref name="batchCount"/> batches' bytes in one read (a released segment is read from its file once, not per batch).</summary>
    private static ReadOnlyMemory<byte> Contents(LogSegment segment, int batchCount) =>
        batchCount == 0 ? ReadOnlyMemory<byte>.Empty : segment.Slice(0, segment.Entry(batchCount - 1).Position + segment.Entry(batchCount - 1).Length);

    /// <summary>The batch's records section, decompressed; null when it cannot be (the batch is then kept whole).</summary>
    private static byte[]? Records(ReadOnlySpan<byte> batch) =>
        BatchCompression.Decompress(BinaryPrimitives.ReadInt16BigEndian(batch[21..]) & CompressionMask, batch[RecordBatch.HeaderSize..].ToArray());

    /// <summary>
    /// The records of a batch, or null when they do not parse: the CRC only proves the producer sent these bytes,
    /// not that they are well-formed, so a malformed batch is kept whole instead of failing compaction.
    /// </summary>
    private static List<Record>? Parse(byte[] records)
    {
        var parsed = new List<Record>();
        var span = records.AsSpan();
        var position = 0;
        while (position < span.Length)
        {
            var start = position;
            var length = RecordScanner.ReadVarlong(span, ref position);
            if (length <= 0 || length > span.Length - position)
            {
                return null;
            }

            var end = position + (int)length;
            position++; // attributes
            RecordScanner.ReadVarlong(span, ref position); // timestamp delta
            var offsetDelta = RecordScanner.ReadVarlong(span, ref position);
            var keyLength = RecordScanner.ReadVarlong(span, ref position);
            if (offsetDelta is < 0 or > int.MaxValue || keyLength < -1 || keyLength > end - position)
            {
                return null;
            }

            byte[]? key = keyLength < 0 ? null : span.Slice(position, (int)keyLength).ToArray();
            position += Math.Max(0, (int)keyLength);
            var valueLength = position < end ? RecordScanner.ReadVarlong(span, ref position) : 0;
            parsed.Add(new Record(start, end - start, (int)offsetDelta, key, valueLength < 0));
            position = end;
        }

        return parsed;
    }

    private static byte[] Rebuild(ReadOnlySpan<byte> original, byte[] records, List<Record> kept)
    {
        var body = new MemoryStream();
        foreach (var record in kept)
        {
            body.Write(records, record.Start, record.Length);
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

    private readonly record struct Record(int Start, int Length, int OffsetDelta, byte[]? Key, bool IsTombstone);

    private sealed class ByteArrayComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteArrayComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
