namespace SensorAspire.Chart.Streaming;

/// <summary>What the page needs to know from the server's configuration (<c>GET /api/settings</c>).</summary>
/// <param name="SensorsShown">How many sensors the page draws before the viewer picks others.</param>
/// <param name="StreamUrl">Where the SSE stream of window updates is.</param>
public sealed record ChartPageSettings(int SensorsShown, string StreamUrl);
