using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace SensorAspire.EmbeddedKafka.Protocol;

/// <summary>
/// Writes Kafka protocol primitives into a growable buffer rented from the shared pool.
/// One writer is reused per connection, so steady-state responses allocate nothing here.
/// </summary>
public sealed class KafkaWriter : IDisposable
{
    private byte[] _buffer;
    private int _position;

    public KafkaWriter(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Position => _position;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _position);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    public void Reset() => _position = 0;

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _position < count)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + count));
            _buffer.AsSpan(0, _position).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        var span = _buffer.AsSpan(_position, count);
        _position += count;
        return span;
    }

    public void WriteInt8(sbyte value) => Reserve(1)[0] = (byte)value;

    public void WriteBool(bool value) => Reserve(1)[0] = value ? (byte)1 : (byte)0;

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), value);

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleBigEndian(Reserve(8), value);

    public void WriteUuid(Guid value) => value.TryWriteBytes(Reserve(16), bigEndian: true, out _);

    /// <summary>Overwrites an int32 written earlier, e.g. a frame size reserved before the body.</summary>
    public void PatchInt32(int position, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position, 4), value);

    public void WriteUnsignedVarint(uint value)
    {
        while (value >= 0x80)
        {
            Reserve(1)[0] = (byte)(value | 0x80);
            value >>= 7;
        }

        Reserve(1)[0] = (byte)value;
    }

    private void WriteLength(int length, bool compact, bool int16)
    {
        if (compact)
        {
            WriteUnsignedVarint((uint)(length + 1));
        }
        else if (int16)
        {
            WriteInt16((short)length);
        }
        else
        {
            WriteInt32(length);
        }
    }

    public void WriteString(string? value, bool compact)
    {
        if (value is null)
        {
            WriteLength(-1, compact, int16: true);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteLength(length, compact, int16: true);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool compact)
    {
        WriteLength(value.Length, compact, int16: false);
        value.CopyTo(Reserve(value.Length));
    }

    public void WriteNullableBytes(byte[]? value, bool compact)
    {
        if (value is null)
        {
            WriteLength(-1, compact, int16: false);
            return;
        }

        WriteBytes(value, compact);
    }

    public void WriteRecords(RecordSet? value, bool compact)
    {
        if (value is null)
        {
            WriteLength(-1, compact, int16: false);
            return;
        }

        WriteLength(value.Length, compact, int16: false);
        value.CopyTo(Reserve(value.Length));
    }

    public void WriteArrayLength(int count, bool compact) => WriteLength(count, compact, int16: false);

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _position = 0;
    }
}
