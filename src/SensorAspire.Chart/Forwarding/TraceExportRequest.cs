namespace SensorAspire.Chart.Forwarding;

/// <summary>
/// The shape check the forwarder makes before passing an export on: the body must be an OTLP
/// <c>ExportTraceServiceRequest</c> in the protobuf wire format at its top level.
/// </summary>
/// <remarks>
/// <c>opentelemetry/proto/collector/trace/v1/trace_service.proto</c>: the message has one field,
/// <c>repeated ResourceSpans resource_spans = 1</c>, so its encoding is a run of (tag 0x0A = field 1, wire type 2
/// "LEN"; varint length; that many bytes). Protobuf encoding, "Message Structure" and "Length-Delimited Records". The
/// spans inside are the collector's to decode: the forwarder neither parses nor rewrites them.
/// </remarks>
public static class TraceExportRequest
{
    private const ulong ResourceSpansTag = (1 << 3) | 2;

    /// <summary>True when <paramref name="body"/> is zero or more complete <c>resource_spans</c> fields and nothing else.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> body)
    {
        while (!body.IsEmpty)
        {
            if (!TryReadVarint(ref body, out var tag) || tag != ResourceSpansTag
                || !TryReadVarint(ref body, out var length) || length > (ulong)body.Length)
            {
                return false;
            }

            body = body[(int)length..];
        }

        return true;
    }

    // Base 128 varint: 7 bits per byte, least significant group first, the high bit set on every byte but the last;
    // at most 10 bytes for 64 bits.
    private static bool TryReadVarint(ref ReadOnlySpan<byte> span, out ulong value)
    {
        value = 0;
        for (var i = 0; i < 10 && i < span.Length; i++)
        {
            value |= (ulong)(span[i] & 0x7F) << (7 * i);
            if ((span[i] & 0x80) == 0)
            {
                span = span[(i + 1)..];
                return true;
            }
        }

        return false;
    }
}
