using System.Globalization;
using System.Net.Http.Json;
using SensorAspire.Contracts;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>
/// <c>chart [fanout|e2e|forward] [options]</c>: the SSE fan-out benchmark, then reading produced → SSE event received
/// through the aggregator (both by default); <c>forward</c>, only when named: the chart's CPU per forwarded browser export.
/// </summary>
internal static class ChartBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var which = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !char.IsDigit(a[0]));
        var result = 0;
        if (which is null or "fanout")
        {
            result |= await ChartFanOutBenchmark.RunAsync(args);
        }

        if (which is null or "e2e")
        {
            result |= await ChartEndToEndBenchmark.RunAsync(args);
        }

        if (which is "forward")
        {
            result |= await ChartForwardBenchmark.RunAsync(args);
        }

        return result;
    }

    /// <summary>The machine's 1-minute load average (Linux), to read the latencies against; 2 cores here.</summary>
    internal static string LoadAverage()
        => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    internal static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Polls the chart's JSON endpoint (another process: there is no event to await), bounded by <paramref name="timeout"/>.</summary>
    internal static async Task<bool> WaitForWindowsAsync(HttpClient http, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var windows = await http.GetFromJsonAsync("api/windows", ContractsJsonContext.Default.IReadOnlyListWindowUpdated);
                if (windows?.Count >= count)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        return false;
    }
}
