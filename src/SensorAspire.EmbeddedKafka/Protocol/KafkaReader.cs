using System.Buffers.Binary;
using System.Text;

namespace SensorAspire.EmbeddedKafka.Protocol;

/// <summary>
/// Reads Kafka protocol primitives (big-endian, classic and compact encodings) from one request frame.
/// Every read checks bounds and throws <see cref="KafkaProtocolException"/>, so a malformed request
/// closes its connection instead of corrupting state.
/// </summary>
public sealed class KafkaReader(ReadOnlyMemory<byte> buffer)
{
    private int _position;

    public int Position => _position;

    public int Remaining => buffer.Length - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > buffer.Length - _position)
        {
            throw new KafkaProtocolException($"Need {count} bytes at {_position}, frame has {buffer.Length}.");
        }

        var span = buffer.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    public bool ReadBool() => Take(1)[0] != 0;

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    /// <summary>At most this many elements are allocated up front for an array; larger ones grow as elements are actually read.</summary>
    public const int MaxPresizedArray = 256;

    public uint ReadUnsignedVarint()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            if (shift == 28 && (b & 0x70) != 0)
            {
                // The fifth byte may only carry the top 4 bits of a 32-bit value: anything more would be silently dropped.
                throw new KafkaProtocolException("Unsigned varint overflows 32 bits.");
            }

            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new KafkaProtocolException("Unsigned varint longer than 5 bytes.");
    }

    /// <summary>Length of a string, bytes or array: -1 means null; anything below is malformed (as in Kafka).</summary>
    private int ReadLength(bool compact, bool int16)
    {
        var length = compact ? (int)(ReadUnsignedVarint() - 1) : int16 ? ReadInt16() : ReadInt32();
        if (length < -1)
        {
            throw new KafkaProtocolException($"Negative length {length} at {_position}.");
        }

        return length;
    }

    public string? ReadString(bool compact)
    {
        var length = ReadLength(compact, int16: true);
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    public byte[]? ReadBytes(bool compact)
    {
        var length = ReadLength(compact, int16: false);
        return length < 0 ? null : Take(length).ToArray();
    }

    public RecordSet? ReadRecords(bool compact)
    {
        var length = ReadLength(compact, int16: false);
        if (length < 0)
        {
            return null;
        }

        var start = _position;
        Take(length);
        return new RecordSet(buffer.Slice(start, length));
    }

    /// <summary>
    /// Array element count, -1 for null. A count whose elements cannot fit in the bytes left (each takes at least
    /// <paramref name="minElementBytes"/>) is rejected before anything is allocated for it.
    /// </summary>
    public int ReadArrayLength(bool compact, int minElementBytes = 1)
    {
        var length = ReadLength(compact, int16: false);
        if ((long)length * minElementBytes > Remaining)
        {
            throw new KafkaProtocolException($"Array of {length} elements in {Remaining} bytes.");
        }

        return length;
    }

    public void Skip(int count) => Take(count);

    /// <summary>Skips a whole tag buffer (used by hand-written parsers; generated code reads known tags).</summary>
    public void SkipTaggedFields()
    {
        var count = ReadUnsignedVarint();
        for (var i = 0; i < count; i++)
        {
            ReadUnsignedVarint();
            Skip((int)ReadUnsignedVarint());
        }
    }
}
