namespace SensorAspire.Chart.Streaming;

/// <summary>What the page needs to know from the server's configuration (<c>GET /api/settings</c>).</summary>
/// <param name="MaxSensorsShown">Most sensors the page draws at once.</param>
/// <param name="BrowserTelemetry">
/// Whether the page records its draw spans and posts them to the chart (<c>Chart:BrowserTelemetry</c>); only this
/// flag, never where the chart forwards them or with which headers.
/// </param>
public sealed record ChartPageSettings(int MaxSensorsShown, bool BrowserTelemetry = false);
