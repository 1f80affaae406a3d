namespace SensorAspire.Chart.Streaming;

/// <summary>
/// Where the page sends its draw spans: the OTLP/HTTP traces URL and the headers the collector wants (under Aspire,
/// the dashboard's <c>x-otlp-api-key</c>, which Aspire hands to the chart for exactly this). Nothing else of the
/// chart's configuration reaches the browser.
/// </summary>
/// <param name="TracesUrl">The OTLP/HTTP traces URL (the endpoint followed by <c>/v1/traces</c>, OTLP specification).</param>
/// <param name="Headers">Headers to send with every export request.</param>
public sealed record BrowserTelemetrySettings(string TracesUrl, IReadOnlyDictionary<string, string> Headers)
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string HeadersKey = "OTEL_EXPORTER_OTLP_HEADERS";

    /// <summary>The only OTLP protocol the page's exporter speaks; browsers cannot use gRPC.</summary>
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>
    /// The page's settings from the service's own OTLP exporter settings (what Aspire injects with
    /// <c>WithOtlpExporter(OtlpProtocol.HttpProtobuf)</c>), or null, so the page sends nothing, when there is no
    /// endpoint or it is not OTLP/HTTP protobuf.
    /// </summary>
    /// <exception cref="InvalidOperationException">The endpoint or headers are malformed; the message names the key.</exception>
    public static BrowserTelemetrySettings? FromConfiguration(IConfiguration configuration)
    {
        var endpoint = configuration[EndpointKey];
        if (string.IsNullOrWhiteSpace(endpoint) || !string.Equals(configuration[ProtocolKey], HttpProtobuf, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{EndpointKey} must be an absolute http(s) URL (was \"{endpoint}\").");
        }

        // OTLP exporter configuration: OTEL_EXPORTER_OTLP_ENDPOINT is the base URL, signals append "v1/traces".
        var tracesUrl = endpoint.TrimEnd('/') + "/v1/traces";
        return new BrowserTelemetrySettings(tracesUrl, ParseHeaders(configuration[HeadersKey]));
    }

    // OTLP exporter configuration: a comma-separated list of key=value pairs, values percent-encoded (W3C Baggage format).
    private static Dictionary<string, string> ParseHeaders(string? headers)
    {
        Dictionary<string, string> parsed = new(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in (headers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidOperationException($"{HeadersKey} must be a comma-separated list of key=value pairs (\"{pair}\" is not one).");
            }

            parsed[pair[..equals].Trim()] = Uri.UnescapeDataString(pair[(equals + 1)..].Trim());
        }

        return parsed;
    }
}

/// <summary>The page's telemetry settings as read at start (a holder, so that "none" can be registered too).</summary>
public sealed record BrowserTelemetry(BrowserTelemetrySettings? Settings);
