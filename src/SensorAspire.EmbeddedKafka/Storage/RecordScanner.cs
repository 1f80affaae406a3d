using System.Buffers.Binary;

namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>Reads record timestamps inside an uncompressed batch (zig-zag varints, guide section 6.2).</summary>
internal static class RecordScanner
{
    public static (long Offset, long Timestamp)? FindTimestamp(ReadOnlySpan<byte> batch, long baseOffset, long timestamp)
    {
        var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[21..]);
        if ((attributes & 0x7) != 0)
        {
            return null;
        }

        var baseTimestamp = BinaryPrimitives.ReadInt64BigEndian(batch[27..]);
        var count = BinaryPrimitives.ReadInt32BigEndian(batch[57..]);
        var position = RecordBatch.HeaderSize;
        for (var i = 0; i < count && position < batch.Length; i++)
        {
            var length = ReadVarlong(batch, ref position);
            var recordStart = position;
            if (length < 1 || length > batch.Length - recordStart)
            {
                // The CRC only proves the client sent these bytes: a record length outside the batch ends the scan
                // (the caller falls back to the batch) instead of reading before or past it, or looping in place.
                return null;
            }

            position++; // attributes
            var timestampDelta = ReadVarlong(batch, ref position);
            var offsetDelta = ReadVarlong(batch, ref position);
            if (baseTimestamp + timestampDelta >= timestamp)
            {
                return (baseOffset + offsetDelta, baseTimestamp + timestampDelta);
            }

            position = recordStart + (int)length;
        }

        return null;
    }

    public static long ReadVarlong(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong raw = 0;
        for (var shift = 0; shift < 64 && position < bytes.Length; shift += 7)
        {
            var b = bytes[position++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        return (long)(raw >> 1) ^ -(long)(raw & 1);
    }
}
