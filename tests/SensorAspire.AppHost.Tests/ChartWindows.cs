using System.Net.Http.Json;
using System.Text.Json;

namespace SensorAspire.AppHost.Tests;

internal static class ChartWindows
{
    /// <summary>The chart's <c>/api/windows</c>: sensor id to the values of its window's points.</summary>
    public static async Task<Dictionary<string, double[]>> GetAsync(Uri chart, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = chart };
        using var windows = await client.GetFromJsonAsync<JsonDocument>("api/windows", cancellationToken)
            ?? throw new InvalidOperationException("/api/windows returned null");
        return windows.RootElement.EnumerateArray().ToDictionary(
            w => w.GetProperty("sensorId").GetString()!,
            w => w.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).ToArray());
    }
}
