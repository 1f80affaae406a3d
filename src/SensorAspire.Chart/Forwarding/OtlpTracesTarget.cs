namespace SensorAspire.Chart.Forwarding;

/// <summary>
/// Where the forwarder sends the page's spans: the chart's own OTLP/HTTP traces URL and the headers its collector
/// wants (under Aspire, the dashboard's <c>x-otlp-api-key</c>). Read from the chart's OTLP exporter settings; none of
/// it ever reaches the browser.
/// </summary>
/// <param name="TracesUrl">The OTLP/HTTP traces URL (the endpoint followed by <c>/v1/traces</c>, OTLP specification).</param>
/// <param name="Headers">Headers to send with every export request.</param>
public sealed record OtlpTracesTarget(Uri TracesUrl, IReadOnlyDictionary<string, string> Headers)
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string HeadersKey = "OTEL_EXPORTER_OTLP_HEADERS";

    /// <summary>The only OTLP protocol the forwarder speaks: the page's exports are OTLP/HTTP protobuf, passed on as they are.</summary>
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>
    /// The target from the service's own OTLP exporter settings (what Aspire injects with
    /// <c>WithOtlpExporter(OtlpProtocol.HttpProtobuf)</c>), or null when there is no endpoint or it is not OTLP/HTTP protobuf.
    /// </summary>
    /// <exception cref="InvalidOperationException">The endpoint or headers are malformed; the message names the key.</exception>
    public static OtlpTracesTarget? FromConfiguration(IConfiguration configuration)
    {
        var endpoint = configuration[EndpointKey];
        if (string.IsNullOrWhiteSpace(endpoint) || !string.Equals(configuration[ProtocolKey], HttpProtobuf, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            // The value itself is not repeated: an endpoint may carry credentials.
            throw new InvalidOperationException($"{EndpointKey} must be an absolute http(s) URL.");
        }

        // OTLP exporter configuration: OTEL_EXPORTER_OTLP_ENDPOINT is the base URL, signals append "v1/traces".
        var tracesUrl = new Uri(endpoint.TrimEnd('/') + "/v1/traces");
        return new OtlpTracesTarget(tracesUrl, ParseHeaders(configuration[HeadersKey]));
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
                // Only the shape is named: the pair may be a secret.
                throw new InvalidOperationException($"{HeadersKey} must be a comma-separated list of key=value pairs.");
            }

            parsed[pair[..equals].Trim()] = Uri.UnescapeDataString(pair[(equals + 1)..].Trim());
        }

        return parsed;
    }

    public override string ToString() => TracesUrl.GetLeftPart(UriPartial.Path);
}
