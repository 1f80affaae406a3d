namespace SensorAspire.Chart.Streaming;

/// <summary>What the page needs to know from the server's configuration (<c>GET /api/settings</c>).</summary>
/// <param name="SensorsShown">How many sensors the page draws before the viewer picks others.</param>
public sealed record ChartPageSettings(int SensorsShown);
