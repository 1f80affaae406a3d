using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OpenTelemetry.Instrumentation.AspNetCore;

namespace SensorAspire.Chart.Forwarding;

/// <summary>
/// <c>POST /otlp/v1/traces</c>: the page's draw spans, on the chart's own origin, for <see cref="BrowserTelemetryForwarder"/>.
/// Mapped only when <c>Chart:BrowserTelemetry</c> is on; otherwise the path does not exist (404).
/// </summary>
/// <remarks>
/// Anyone who can load the page can post here, so the route takes only what the page sends, within bounds, cheapest
/// check first: the per-client rate limit (429), then the media type (415: OTLP/HTTP protobuf only, uncompressed), the
/// size (413, before reading when <c>Content-Length</c> says so), the protobuf shape of an <c>ExportTraceServiceRequest</c>
/// (400), and room in the forwarder's queue (503). A refusal carries a short plain-text reason; success is an empty
/// <c>ExportTraceServiceResponse</c> (OTLP/HTTP "Full Success": 200, <c>application/x-protobuf</c>, no partial success).
/// </remarks>
public static class BrowserTelemetryEndpoints
{
    /// <summary>The route, relative to the chart's origin; the page posts to it as <c>otlp/v1/traces</c> beside itself.</summary>
    public const string TracesPath = "/otlp/v1/traces";

    /// <summary>The rate limiter policy of the route (ASP.NET Core rate limiting).</summary>
    public const string RateLimiterPolicy = "browser-telemetry";

    // OTLP/HTTP: binary protobuf is "application/x-protobuf"; the JSON encoding (application/json) is not forwarded.
    private const string Protobuf = "application/x-protobuf";

    // How long a client whose exports were refused for a full queue should wait (OTLP/HTTP: Retry-After on 503).
    private const string QueueFullRetryAfterSeconds = "5";

    /// <summary>Registers the forwarder, the route's rate limiter, and keeps the route's requests out of traces.</summary>
    public static IServiceCollection AddBrowserTelemetryForwarding(this IServiceCollection services)
    {
        services.AddSingleton<BrowserTelemetryForwarder>();
        services.AddHostedService(provider => provider.GetRequiredService<BrowserTelemetryForwarder>());
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(RateLimiterPolicy, context =>
            {
                var perMinute = context.RequestServices.GetRequiredService<IOptions<ChartOptions>>().Value.BrowserTelemetryExportsPerMinute;
                // Per client = per remote IP address (behind a reverse proxy, per proxy unless it forwards the address).
                return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress ?? IPAddress.None, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = perMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                });
            });
            limiter.OnRejected = (rejected, cancellationToken) =>
            {
                var services = rejected.HttpContext.RequestServices;
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                if (rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                }

                services.GetRequiredService<ChartMetrics>().BrowserExport(ChartMetrics.BrowserExportRefused);
                var perMinute = services.GetRequiredService<IOptions<ChartOptions>>().Value.BrowserTelemetryExportsPerMinute;
                response.ContentType = "text/plain";
                return new ValueTask(response.WriteAsync(
                    $"Too many exports from this client: at most {perMinute} a minute (Chart:BrowserTelemetryExportsPerMinute).\n", cancellationToken));
            };
        });

        // The page's exports carry no trace context, so each would be a trace of its own beside the readings' traces
        // (the same reason the service defaults leave out the health probes).
        services.Configure<AspNetCoreTraceInstrumentationOptions>(tracing =>
        {
            var filter = tracing.Filter;
            tracing.Filter = context => !context.Request.Path.StartsWithSegments(TracesPath) && (filter is null || filter(context));
        });
        return services;
    }

    /// <summary>Maps the route when browser telemetry is on; returns null (nothing mapped) when it is off.</summary>
    public static RouteHandlerBuilder? MapBrowserTelemetry(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<ChartOptions>>().Value;
        return options.BrowserTelemetry
            ? endpoints.MapPost(TracesPath, ExportAsync).RequireRateLimiting(RateLimiterPolicy).WithName("ExportBrowserTraces")
            : null;
    }

    private static async Task<IResult> ExportAsync(
        HttpRequest request, BrowserTelemetryForwarder forwarder, IOptions<ChartOptions> options, ChartMetrics metrics, CancellationToken cancellationToken)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals(Protobuf, StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(metrics, StatusCodes.Status415UnsupportedMediaType, $"Only OTLP/HTTP protobuf trace exports ({Protobuf}) are accepted.");
        }

        if (request.Headers.ContentEncoding is { Count: > 0 } encoding
            && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(metrics, StatusCodes.Status415UnsupportedMediaType, "Only uncompressed exports are accepted (no Content-Encoding).");
        }

        var maxBytes = options.Value.BrowserTelemetryMaxExportBytes;
        var tooLarge = $"An export may be at most {maxBytes} bytes (Chart:BrowserTelemetryMaxExportBytes).";
        if (request.ContentLength > maxBytes)
        {
            return Refuse(metrics, StatusCodes.Status413PayloadTooLarge, tooLarge);
        }

        var body = await ReadAtMostAsync(request, maxBytes, cancellationToken);
        if (body is null)
        {
            return Refuse(metrics, StatusCodes.Status413PayloadTooLarge, tooLarge);
        }

        if (!TraceExportRequest.IsWellFormed(body))
        {
            return Refuse(metrics, StatusCodes.Status400BadRequest, "The body is not an OTLP ExportTraceServiceRequest.");
        }

        if (!forwarder.TryEnqueue(body))
        {
            request.HttpContext.Response.Headers.RetryAfter = QueueFullRetryAfterSeconds;
            return TypedResults.Text("The collector is behind; try again later.\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return TypedResults.Bytes([], Protobuf);
    }

    private static IResult Refuse(ChartMetrics metrics, int statusCode, string reason)
    {
        metrics.BrowserExport(ChartMetrics.BrowserExportRefused);
        return TypedResults.Text(reason + "\n", "text/plain", statusCode: statusCode);
    }

    /// <summary>The whole body, or null as soon as it is longer than <paramref name="maxBytes"/> (nothing more is read).</summary>
    private static async Task<byte[]?> ReadAtMostAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[request.ContentLength is { } length ? (int)length : Math.Min(maxBytes, 16 * 1024)];
        var read = 0;
        while (true)
        {
            if (read == buffer.Length)
            {
                if (read == maxBytes || request.ContentLength is not null)
                {
                    // Full: one more byte means too large (a Content-Length that lied is Kestrel's to refuse).
                    return await request.Body.ReadAsync(new byte[1], cancellationToken) == 0 ? buffer : null;
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes));
            }

            var count = await request.Body.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (count == 0)
            {
                return read == buffer.Length ? buffer : buffer[..read];
            }

            read += count;
        }
    }
}
