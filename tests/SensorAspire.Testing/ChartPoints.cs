using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace SensorAspire.Testing;

/// <summary>The chart's <c>/api/windows</c> as points: sensor id to its window's (timestamp, value) pairs, oldest first.</summary>
public static class ChartPoints
{
    /// <summary>Every sensor's window as the chart serves it now.</summary>
    public static async Task<Dictionary<string, (DateTimeOffset Timestamp, double Value)[]>> GetAsync(HttpClient chart, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chart);
        using var windows = await chart.GetFromJsonAsync<JsonDocument>("api/windows", cancellationToken)
            ?? throw new InvalidOperationException("/api/windows returned null");
        return windows.RootElement.EnumerateArray().ToDictionary(
            w => w.GetProperty("sensorId").GetString()!,
            w => w.GetProperty("points").EnumerateArray()
                .Select(p => (p.GetProperty("timestamp").GetDateTimeOffset(), p.GetProperty("value").GetDouble())).ToArray());
    }

    /// <summary>The newest point's timestamp over every sensor, or <see cref="DateTimeOffset.MinValue"/> when there is none.</summary>
    public static DateTimeOffset Newest(Dictionary<string, (DateTimeOffset Timestamp, double Value)[]> windows)
        => windows.Values.SelectMany(w => w).Select(p => p.Timestamp).DefaultIfEmpty(DateTimeOffset.MinValue).Max();

    /// <summary>
    /// Asks the chart every <paramref name="interval"/> until it shows a point newer than <paramref name="than"/> (a
    /// chart that does not answer yet counts as not showing it), and returns the time since <paramref name="since"/>
    /// (a <see cref="Stopwatch"/> timestamp) at the answer that showed it.
    /// </summary>
    public static async Task<TimeSpan> WaitForNewerAsync(Uri chart, DateTimeOffset than, long since, TimeSpan interval, TimeSpan timeout, string what)
    {
        using var client = Client(chart);
        var seen = await Wait.ForAsync<object>(async ct =>
            await TryGetAsync(client, ct) is { } windows && Newest(windows) > than ? Stopwatch.GetElapsedTime(since) : null,
            what, timeout, interval);
        return (TimeSpan)seen;
    }

    /// <summary>
    /// A client for a chart that may be down: a request gets a second, since a proxy in front of a chart that is not
    /// running (DCP's) accepts the connection and never answers.
    /// </summary>
    public static HttpClient Client(Uri chart) => new() { BaseAddress = chart, Timeout = TimeSpan.FromSeconds(1) };

    /// <summary>Every sensor's window, or null when the chart does not answer (it is stopped, or still starting).</summary>
    public static async Task<Dictionary<string, (DateTimeOffset Timestamp, double Value)[]>?> TryGetAsync(HttpClient chart, CancellationToken cancellationToken)
    {
        try
        {
            return await GetAsync(chart, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null; // the client's own timeout
        }
    }
}
