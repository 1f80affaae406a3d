namespace SensorAspire.EmbeddedKafka.Protocol;

/// <summary>
/// The opaque bytes of a RECORDS field: one or more record batches. Read requests slice the request frame
/// (valid only while the handler runs); Fetch responses chain slices of the partition log without copying them.
/// </summary>
public sealed class RecordSet
{
    private readonly ReadOnlyMemory<byte> _single;
    private readonly List<ReadOnlyMemory<byte>>? _segments;

    public RecordSet(ReadOnlyMemory<byte> bytes)
    {
        _single = bytes;
        Length = bytes.Length;
    }

    public RecordSet(List<ReadOnlyMemory<byte>> segments)
    {
        _segments = segments;
        foreach (var segment in segments)
        {
            Length += segment.Length;
        }
    }

    public static RecordSet Empty { get; } = new(ReadOnlyMemory<byte>.Empty);

    public int Length { get; }

    /// <summary>The bytes as one block (copies only when the set was built from several slices).</summary>
    public ReadOnlyMemory<byte> ToMemory()
    {
        if (_segments is null)
        {
            return _single;
        }

        var copy = new byte[Length];
        var position = 0;
        foreach (var segment in _segments)
        {
            segment.Span.CopyTo(copy.AsSpan(position));
            position += segment.Length;
        }

        return copy;
    }

    internal void CopyTo(Span<byte> destination)
    {
        if (_segments is null)
        {
            _single.Span.CopyTo(destination);
            return;
        }

        var position = 0;
        foreach (var segment in _segments)
        {
            segment.Span.CopyTo(destination[position..]);
            position += segment.Length;
        }
    }
}
