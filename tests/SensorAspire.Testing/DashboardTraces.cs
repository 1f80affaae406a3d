using System.Net.Http.Json;
using System.Text.Json;

namespace SensorAspire.Testing;

/// <summary>
/// Spans as the Aspire dashboard's telemetry API returns them (OTLP JSON), grouped into traces: read by the AppHost tests
/// and by the benchmarks that measure from spans.
/// </summary>
public static class DashboardTraces
{
    public sealed record Span(
        string TraceId, string SpanId, string? ParentSpanId, string Name, string Service, DateTimeOffset Start, DateTimeOffset End);

    /// <summary>
    /// The reading's path as the README documents it: each span the child of the one before, from the simulator's send
    /// to the chart's process.
    /// </summary>
    public static readonly (string Name, string Service)[] ReadingPath =
    [
        ("send sensor-readings", "simulator"),
        ("process sensor-readings", "aggregator"),
        ("send sensor-windows", "aggregator"),
        ("process sensor-windows", "chart"),
    ];

    /// <summary>The page's span for the paint that shows the update, the child of the chart's process span.</summary>
    public static readonly (string Name, string Service) DrawStep = ("draw sensor-windows", "chart-browser");

    /// <summary>The reading's path to the pixel: <see cref="ReadingPath"/> then <see cref="DrawStep"/>, five spans.</summary>
    public static readonly (string Name, string Service)[] PixelPath = [.. ReadingPath, DrawStep];

    /// <summary>The newest <paramref name="limit"/> traces from the dashboard at <paramref name="dashboard"/>'s base address.</summary>
    public static async Task<IReadOnlyList<IGrouping<string, Span>>> GetAsync(
        HttpClient dashboard, CancellationToken cancellationToken, int limit = 200)
    {
        using var response = await dashboard.GetFromJsonAsync<JsonDocument>($"api/telemetry/traces?limit={limit}", cancellationToken)
            ?? throw new InvalidOperationException("the telemetry API returned null");
        List<Span> spans = [];
        foreach (var resourceSpans in response.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = ServiceName(resourceSpans.GetProperty("resource"));
            foreach (var scope in resourceSpans.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    spans.Add(new Span(
                        span.GetProperty("traceId").GetString()!,
                        span.GetProperty("spanId").GetString()!,
                        span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } id ? id : null,
                        span.GetProperty("name").GetString()!,
                        service,
                        FromUnixNano(span.GetProperty("startTimeUnixNano")),
                        FromUnixNano(span.GetProperty("endTimeUnixNano"))));
                }
            }
        }

        return [.. spans.GroupBy(s => s.TraceId)];
    }

    /// <summary>True when the trace holds the whole reading path, each span the child of the one before.</summary>
    public static bool HoldsReadingPath(IEnumerable<Span> trace) => Holds(trace, ReadingPath);

    /// <summary>
    /// True when the trace holds the reading path with each of its spans once: the trace of a window that one chart
    /// process read. A chart started again reads the windows topic from the beginning, and the windows it had read
    /// before gain a second process span in their readings' traces.
    /// </summary>
    public static bool HoldsReadingPathOnce(IEnumerable<Span> trace)
    {
        var spans = trace.ToList();
        return Holds(spans, ReadingPath) && ReadingPath.All(step => spans.Count(s => (s.Name, s.Service) == step) == 1);
    }

    /// <summary>True when the trace holds the reading path down to the browser's draw span, each the child of the one before.</summary>
    public static bool HoldsPixelPath(IEnumerable<Span> trace) => Holds(trace, PixelPath);

    private static bool Holds(IEnumerable<Span> trace, (string Name, string Service)[] path)
    {
        Span? parent = null;
        var spans = trace.ToList();
        foreach (var (name, service) in path)
        {
            var span = spans.FirstOrDefault(s => s.Name == name && s.Service == service
                && (parent is null ? string.IsNullOrEmpty(s.ParentSpanId) : s.ParentSpanId == parent.SpanId));
            if (span is null)
            {
                return false;
            }

            parent = span;
        }

        return true;
    }

    // OTLP JSON encodes 64-bit integers as strings (OTLP specification, JSON protobuf encoding).
    private static DateTimeOffset FromUnixNano(JsonElement value)
    {
        var nanos = value.ValueKind == JsonValueKind.String
            ? ulong.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : value.GetUInt64();
        return DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));
    }

    private static string ServiceName(JsonElement resource)
    {
        foreach (var attribute in resource.GetProperty("attributes").EnumerateArray())
        {
            if (attribute.GetProperty("key").GetString() == "service.name")
            {
                return attribute.GetProperty("value").GetProperty("stringValue").GetString()!;
            }
        }

        return "";
    }
}
