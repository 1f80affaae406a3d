namespace SensorAspire.Chart.Streaming;

/// <summary>What the page needs to know from the server's configuration (<c>GET /api/settings</c>).</summary>
/// <param name="MaxSensorsShown">Most sensors the page draws at once.</param>
/// <param name="BrowserTelemetry">Where the page sends its draw spans; null (the page sends nothing) without an OTLP/HTTP endpoint.</param>
public sealed record ChartPageSettings(int MaxSensorsShown, BrowserTelemetrySettings? BrowserTelemetry = null);
