using System.Buffers.Binary;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Tests.Storage;

/// <summary>Builds uncompressed RecordBatch v2 bytes for raw Produce requests (layout in the protocol guide, section 6).</summary>
internal static class TestBatches
{
    public static byte[] Build(int recordCount, long producerId = -1, short producerEpoch = -1, int baseSequence = -1, long timestamp = 1_700_000_000_000, int valueSize = 1)
    {
        var records = new List<byte>();
        for (var i = 0; i < recordCount; i++)
        {
            var body = new List<byte> { 0 };
            WriteVarint(body, 0);          // timestamp delta
            WriteVarint(body, i);          // offset delta
            WriteVarint(body, -1);         // null key
            var value = Enumerable.Repeat((byte)('a' + i % 26), valueSize).ToArray();
            WriteVarint(body, value.Length);
            body.AddRange(value);
            WriteVarint(body, 0);          // no headers
            WriteVarint(records, body.Count);
            records.AddRange(body);
        }

        var batch = new byte[RecordBatch.HeaderSize + records.Count];
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(8), batch.Length - 12);
        batch[16] = 2;
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(23), recordCount - 1);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(27), timestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(35), timestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(43), producerId);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(51), producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(53), baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(57), recordCount);
        records.CopyTo(batch, RecordBatch.HeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), RecordBatch.Crc32C(batch.AsSpan(21)));
        return batch;
    }

    internal static void WriteVarint(List<byte> into, long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        while (zigzag >= 0x80)
        {
            into.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }

        into.Add((byte)zigzag);
    }
}
