using System.Text;
using SensorAspire.Contracts;

namespace SensorAspire.Chart.Streaming;

/// <summary>
/// A window update as read from Kafka: the message value exactly as received (validated by
/// <see cref="WindowUpdated.TryRead"/>), which every client is sent as is, and the window it holds.
/// </summary>
/// <param name="TracedUtf8Json">
/// For an update whose trace is sampled, the live SSE event's data: <c>{"traceparent":"…","window":…}</c> with the
/// received bytes inside, built once per update (<see cref="Traced"/>) and sent as is to every client; null otherwise.
/// </param>
public sealed record WindowFrame(WindowUpdated Window, byte[] Utf8Json, byte[]? TracedUtf8Json = null)
{
    private static readonly byte[] s_tracedStart = "{\"traceparent\":\""u8.ToArray();
    private static readonly byte[] s_tracedWindow = "\",\"window\":"u8.ToArray();

    public string SensorId => Window.SensorId;

    /// <summary>
    /// The frame of an update whose chart span is <paramref name="traceparent"/> (W3C Trace Context), for the page's
    /// draw span. The window's bytes are copied once, not re-serialised.
    /// </summary>
    public static WindowFrame Traced(WindowUpdated window, byte[] utf8Json, string traceparent)
    {
        // A traceparent is hex digits and dashes only (W3C Trace Context 3.2), so it needs no JSON escaping.
        var traced = new byte[s_tracedStart.Length + traceparent.Length + s_tracedWindow.Length + utf8Json.Length + 1];
        var span = traced.AsSpan();
        s_tracedStart.CopyTo(span);
        span = span[s_tracedStart.Length..];
        span = span[Encoding.ASCII.GetBytes(traceparent, span)..];
        s_tracedWindow.CopyTo(span);
        span = span[s_tracedWindow.Length..];
        utf8Json.CopyTo(span);
        span[^1] = (byte)'}';
        return new WindowFrame(window, utf8Json, traced);
    }
}
