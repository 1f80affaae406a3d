using System.Buffers.Binary;
using System.Numerics;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// The fixed 61-byte header of a RecordBatch v2 (guide section 6.1) and the checks done before a batch is stored.
/// Records stay opaque: compressed batches are never decompressed.
/// </summary>
internal readonly record struct RecordBatch(
    int BatchLength,
    short Attributes,
    int LastOffsetDelta,
    long BaseTimestamp,
    long MaxTimestamp,
    long ProducerId,
    short ProducerEpoch,
    int BaseSequence,
    int RecordCount)
{
    public const int HeaderSize = 61;
    public const int LogOverhead = 12;
    private const int CrcOffset = 17;
    private const int AttributesOffset = 21;

    public int TotalSize => BatchLength + LogOverhead;

    public bool IsCompressed => (Attributes & 0x7) != 0;

    /// <summary>The codec in attributes bits 0-2 (<see cref="BatchCompression"/>'s constants).</summary>
    public int Compression => Attributes & 0x7;

    public bool IsTransactional => (Attributes & 0x10) != 0;

    /// <summary>The sequence of the last record; sequences wrap at int.MaxValue.</summary>
    public int LastSequence => (int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1));

    /// <summary>Parses and validates the batch at the start of <paramref name="bytes"/>; returns an error code or 0.</summary>
    public static KafkaErrorCode TryParse(ReadOnlySpan<byte> bytes, out RecordBatch batch) => Parse(bytes, compacted: false, out batch);

    /// <summary>
    /// Parses a batch read back from a segment file, with its stored base offset. Compaction leaves gaps, so the last
    /// offset delta may exceed the record count; the CRC still covers everything but the base offset and epoch.
    /// </summary>
    public static KafkaErrorCode TryParseStored(ReadOnlySpan<byte> bytes, out RecordBatch batch, out long baseOffset)
    {
        baseOffset = bytes.Length >= 8 ? BinaryPrimitives.ReadInt64BigEndian(bytes) : -1;
        return Parse(bytes, compacted: true, out batch);
    }

    private static KafkaErrorCode Parse(ReadOnlySpan<byte> bytes, bool compacted, out RecordBatch batch)
    {
        batch = default;
        if (bytes.Length < HeaderSize)
        {
            return KafkaErrorCode.CorruptMessage;
        }

        var batchLength = BinaryPrimitives.ReadInt32BigEndian(bytes[8..]);
        if (batchLength < HeaderSize - LogOverhead || batchLength > bytes.Length - LogOverhead)
        {
            return KafkaErrorCode.CorruptMessage;
        }

        if (bytes[16] != 2)
        {
            return KafkaErrorCode.InvalidRecord;
        }

        batch = ReadHeader(bytes);

        if (batch.RecordCount < 1 || (compacted ? batch.LastOffsetDelta < batch.RecordCount - 1 : batch.LastOffsetDelta != batch.RecordCount - 1))
        {
            return KafkaErrorCode.InvalidRecord;
        }

        var expected = BinaryPrimitives.ReadUInt32BigEndian(bytes[CrcOffset..]);
        return Crc32C(bytes[AttributesOffset..batch.TotalSize]) == expected ? KafkaErrorCode.None : KafkaErrorCode.CorruptMessage;
    }

    /// <summary>
    /// How many leading bytes of <paramref name="records"/> are whole batches not compressed with <paramref name="codec"/>:
    /// all of them when no batch uses it. Reads only batch headers. A malformed batch ends the walk and counts as not
    /// using the codec: appending rejects it anyway, and stored batches were checked when they were appended.
    /// </summary>
    public static int LengthBefore(ReadOnlySpan<byte> records, int codec)
    {
        var position = 0;
        while (records.Length - position >= HeaderSize)
        {
            var batch = records[position..];
            if ((BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]) & 0x7) == codec)
            {
                return position;
            }

            var batchLength = BinaryPrimitives.ReadInt32BigEndian(batch[8..]);
            if (batchLength < HeaderSize - LogOverhead || batchLength > batch.Length - LogOverhead)
            {
                break;
            }

            position += batchLength + LogOverhead;
        }

        return records.Length;
    }

    /// <summary>The header fields of a batch already validated (a stored one), without checks.</summary>
    public static RecordBatch ReadHeader(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadInt32BigEndian(bytes[8..]),
        BinaryPrimitives.ReadInt16BigEndian(bytes[21..]),
        BinaryPrimitives.ReadInt32BigEndian(bytes[23..]),
        BinaryPrimitives.ReadInt64BigEndian(bytes[27..]),
        BinaryPrimitives.ReadInt64BigEndian(bytes[35..]),
        BinaryPrimitives.ReadInt64BigEndian(bytes[43..]),
        BinaryPrimitives.ReadInt16BigEndian(bytes[51..]),
        BinaryPrimitives.ReadInt32BigEndian(bytes[53..]),
        BinaryPrimitives.ReadInt32BigEndian(bytes[57..]));

    /// <summary>CRC-32C (Castagnoli) with the hardware-accelerated accumulator: init and final XOR 0xFFFFFFFF.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc ^ 0xFFFFFFFFu;
    }

    /// <summary>The two fields the broker owns, both outside the CRC: base offset (0-7) and partition leader epoch (12-15).</summary>
    public static void StampOffsets(Span<byte> stored, long baseOffset, int leaderEpoch)
    {
        BinaryPrimitives.WriteInt64BigEndian(stored, baseOffset);
        BinaryPrimitives.WriteInt32BigEndian(stored[12..], leaderEpoch);
    }
}
