using SensorAspire.Contracts;

namespace SensorAspire.Chart.Streaming;

/// <summary>
/// A window update as read from Kafka: the message value exactly as received (validated by
/// <see cref="WindowUpdated.TryRead"/>), which every client is sent as is, and the window it holds.
/// </summary>
public sealed record WindowFrame(WindowUpdated Window, byte[] Utf8Json)
{
    public string SensorId => Window.SensorId;
}
