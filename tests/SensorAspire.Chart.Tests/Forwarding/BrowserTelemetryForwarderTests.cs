using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using OpenTelemetry.Trace;
using SensorAspire.Chart.Forwarding;
using SensorAspire.Testing;
using static SensorAspire.Chart.Tests.Streaming.ChartApiTests;
using static SensorAspire.Chart.Tests.WindowProducer;

namespace SensorAspire.Chart.Tests.Forwarding;

/// <summary>
/// <c>POST /otlp/v1/traces</c> against a real chart on Kestrel and a real OTLP/HTTP receiver: what it forwards, what it
/// refuses and with which code, and that neither refusals nor a slow or absent collector touch the SSE stream or health.
/// </summary>
public sealed class BrowserTelemetryForwarderTests(BrokerFixture broker)
{
    private const string Route = "otlp/v1/traces";
    private const string ApiKey = "forwarder-test-key";

    [Fact]
    public async Task AnExportIsForwardedUnchangedToTheChartsOtlpEndpointWithTheHeadersOnlyTheChartHolds()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await StartChartAsync("forward", receiver.Endpoint);
        using var client = app.CreateHttpClient();
        var export = Export("forward-marker");

        using var response = await PostAsync(client, export);
        var forwarded = await receiver.WaitForAsync(r => Contains(r.Body, "forward-marker"), "the export at the receiver");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)); // an empty ExportTraceServiceResponse
        Assert.DoesNotContain(ApiKey, string.Join('\n', response.Headers.Concat(response.Content.Headers).SelectMany(h => h.Value)), StringComparison.Ordinal);
        Assert.Equal("/v1/traces", forwarded.Path);
        Assert.Equal("application/x-protobuf", forwarded.ContentType);
        Assert.Equal(ApiKey, forwarded.Headers["x-otlp-api-key"]);
        Assert.Equal(export, forwarded.Body);
    }

    [Fact]
    public async Task AnExportLargerThanTheLimitIsRefusedWith413AndTheChartStaysHealthy()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await StartChartAsync("large", receiver.Endpoint, ("Chart:BrowserTelemetryMaxExportBytes", "1024"));
        using var client = app.CreateHttpClient();
        await WaitHealthyAsync(client);

        using var declared = await PostAsync(client, Export("x", totalBytes: 1025));
        using var chunked = await PostAsync(client, Export("x", totalBytes: 1025), chunked: true);
        using var atTheLimit = await PostAsync(client, Export("at-the-limit", totalBytes: 1024), chunked: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        Assert.Contains("Chart:BrowserTelemetryMaxExportBytes", await declared.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, atTheLimit.StatusCode);
        await receiver.WaitForAsync(r => Contains(r.Body, "at-the-limit"), "the export at the limit at the receiver");
        Assert.DoesNotContain(receiver.Received, r => r.Body.Length > 1024);
        Assert.Equal("Healthy", await HealthAsync(client, TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("application/json", null)]
    [InlineData("text/plain", null)]
    [InlineData(null, null)]
    [InlineData("application/x-protobuf", "gzip")]
    public async Task AnExportThatIsNotUncompressedOtlpProtobufIsRefusedWith415(string? contentType, string? contentEncoding)
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await StartChartAsync("type", receiver.Endpoint);
        using var client = app.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Route) { Content = new ByteArrayContent(Export("type-marker")) };
        request.Content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        if (contentEncoding is not null)
        {
            request.Content.Headers.ContentEncoding.Add(contentEncoding);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.DoesNotContain(receiver.Received, r => Contains(r.Body, "type-marker"));
    }

    [Fact]
    public async Task ABodyThatIsNotAnExportTraceServiceRequestIsRefusedWith400()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await StartChartAsync("shape", receiver.Endpoint);
        using var client = app.CreateHttpClient();

        // Field 2 is not in ExportTraceServiceRequest; a length running past the end is no protobuf at all.
        using var otherField = await PostAsync(client, [0x12, 0x01, 0x00]);
        using var truncated = await PostAsync(client, [0x0A, 0x05, 0x00]);

        Assert.Equal(HttpStatusCode.BadRequest, otherField.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
    }

    [Fact]
    public async Task ABurstAboveTheRateLimitIsRefusedWith429AndTheChartStaysHealthy()
    {
        const int PerMinute = 3;
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await StartChartAsync("burst", receiver.Endpoint, ("Chart:BrowserTelemetryExportsPerMinute", $"{PerMinute}"));
        using var client = app.CreateHttpClient();
        await WaitHealthyAsync(client);

        // A fixed window of a minute: however the burst falls across a window's end, at most 2 × PerMinute get through.
        List<HttpResponseMessage> burst = [];
        for (var i = 0; i < (2 * PerMinute) + 1; i++)
        {
            burst.Add(await PostAsync(client, Export($"burst-{i}")));
        }

        Assert.All(burst.Take(PerMinute), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var refused = burst.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused);
        Assert.Contains("Chart:BrowserTelemetryExportsPerMinute", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Equal("Healthy", await HealthAsync(client, TestContext.Current.CancellationToken));
        burst.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task ACollectorThatDoesNotAnswerHoldsNoRequestAndNoStreamAndTheQueueIsBounded()
    {
        var topic = await CreateTopicAsync(broker, "slow");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 20));
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = StartChart(topic, receiver.Endpoint, ("Chart:BrowserTelemetryExportsPerMinute", "1000"));
        await app.WaitForWindowsAsync(w => w.Count == 1);
        using var client = app.CreateHttpClient();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var stream = await client.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var events = SseParser.Create(await stream.Content.ReadAsStreamAsync(cancellationToken))
            .EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await NextWindowAsync(events);
        receiver.Hold();

        // The first export is taken by the forwarder and waits at the receiver; the next ones fill the queue, and once
        // it is full an export is refused (503). Were the route waiting for the collector, no answer would come back
        // until the forwarder gave up on the first export. (Should the forwarder give up on it meanwhile, after
        // CollectorTimeout, the next one takes its place at the receiver and the queue fills one export later.)
        using (var first = await PostAsync(client, Export("slow-0")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await receiver.WaitForAsync(r => Contains(r.Body, "slow-0"), "the first export at the receiver");
        var accepted = 0;
        HttpResponseMessage? full = null;
        while (full is null && accepted < 4 * BrowserTelemetryForwarder.QueueCapacity)
        {
            var response = await PostAsync(client, Export($"slow-{accepted + 1}"));
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                full = response;
                break;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
            accepted++;
        }

        await producer.ProduceAsync(Window("temp1", 20, 21));
        var update = await NextWindowAsync(events);

        Assert.NotNull(full);
        Assert.NotNull(full.Headers.RetryAfter);
        full.Dispose();
        Assert.InRange(accepted, BrowserTelemetryForwarder.QueueCapacity, 3 * BrowserTelemetryForwarder.QueueCapacity);
        Assert.Equal(2, update.Points.Count);
        Assert.Equal("Healthy", await HealthAsync(client, TestContext.Current.CancellationToken));

        // Once the collector answers, the queued exports go through.
        receiver.Release();
        await receiver.WaitForCountAsync(r => Contains(r.Body, "slow-"), accepted + 1, "the queued exports at the receiver");
    }

    [Fact]
    public async Task WithNoCollectorListeningExportsAreAcceptedCountedAsFailedAndTheChartStaysHealthy()
    {
        await using var app = await StartChartAsync("down", $"http://127.0.0.1:{FreePorts.Next()}");
        using var client = app.CreateHttpClient();
        using var exports = new MetricCollector<long>(
            app.Services.GetRequiredService<IMeterFactory>(), ChartTelemetry.Name, "sensoraspire.chart.browser_telemetry.exports");

        using var response = await PostAsync(client, Export("down"));
        await exports.WaitForMeasurementsAsync(1, ChartAppExtensions.Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var measurement = Assert.Single(exports.GetMeasurementSnapshot());
        Assert.Equal(ChartMetrics.BrowserExportFailed, measurement.Tags["outcome"]);
        await WaitHealthyAsync(client);
    }

    [Fact]
    public async Task NeitherThePagesExportsNorTheirForwardingStartTracesOfTheirOwn()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var topic = await CreateTopicAsync(broker, "untraced");
        var spans = new SpanList();
        await using var app = StartChart(topic, receiver.Endpoint, services => services.ConfigureOpenTelemetryTracerProvider(
            tracing => tracing.AddInMemoryExporter(spans)));
        using var client = app.CreateHttpClient();
        using var exports = new MetricCollector<long>(
            app.Services.GetRequiredService<IMeterFactory>(), ChartTelemetry.Name, "sensoraspire.chart.browser_telemetry.exports");

        using var response = await PostAsync(client, Export("untraced"));
        await exports.WaitForMeasurementsAsync(1, ChartAppExtensions.Timeout);
        // A request the chart does trace, on the same connection after the export: once its span is exported, the
        // export's request has ended too (Kestrel finishes one request before it reads the next).
        using var windows = await client.GetAsync("api/windows", TestContext.Current.CancellationToken);
        await Wait.UntilAsync(() => Snapshot(spans).Any(s => s.Kind == ActivityKind.Server && Path(s) == "/api/windows"), "the span of GET /api/windows");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ChartMetrics.BrowserExportForwarded, Assert.Single(exports.GetMeasurementSnapshot()).Tags["outcome"]);
        Assert.DoesNotContain(Snapshot(spans), s => s.Kind == ActivityKind.Server && Path(s) == "/otlp/v1/traces");
        // The test, the receiver and the chart share this process, so the test's own requests are traced too; the
        // forwarder's would be the client spans to the receiver's port.
        var receiverPort = new Uri(receiver.Endpoint).Port;
        Assert.Contains(Snapshot(spans), s => s.Kind == ActivityKind.Client && Port(s) == app.BaseAddress.Port); // the test's own
        Assert.DoesNotContain(Snapshot(spans), s => s.Kind == ActivityKind.Client && Port(s) == receiverPort);
    }

    [Fact]
    public async Task WithBrowserTelemetryOffTheRouteDoesNotExist()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var app = await StartChartAsync("off", receiver.Endpoint, ("Chart:BrowserTelemetry", "false"));
        using var client = app.CreateHttpClient();

        using var response = await PostAsync(client, Export("off-marker"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(receiver.Received, r => Contains(r.Body, "off-marker"));
    }

    /// <summary>
    /// A chart with browser telemetry on, forwarding to <paramref name="otlpEndpoint"/> with the test's key. Its own
    /// exporter sends there too (its logs and spans); the tests tell the forwarded exports by their markers.
    /// </summary>
    private async Task<ChartApp> StartChartAsync(string name, string otlpEndpoint, params (string Key, string Value)[] settings)
        => StartChart(await CreateTopicAsync(broker, name), otlpEndpoint, settings);

    private ChartApp StartChart(string topic, string otlpEndpoint, params (string Key, string Value)[] settings)
        => StartChart(topic, otlpEndpoint, null, settings);

    private ChartApp StartChart(
        string topic, string otlpEndpoint, Action<IServiceCollection>? configureServices, params (string Key, string Value)[] settings)
    {
        Dictionary<string, string?> all = new()
        {
            ["Chart:BrowserTelemetry"] = "true",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = $"x-otlp-api-key={ApiKey}",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return new ChartApp(broker.BootstrapServers, topic, all, configureServices).Start();
    }

    // /health answers 503 Unhealthy until the window consumer reads its topic.
    private static Task WaitHealthyAsync(HttpClient client)
        => Wait.ForAsync(async ct => await HealthAsync(client, ct) is "Healthy" ? "Healthy" : null, "the chart to be healthy");

    /// <summary>What <c>/health</c> says (Healthy, Degraded, Unhealthy), whatever its status code.</summary>
    private static async Task<string> HealthAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("health", cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, byte[] body, bool chunked = false)
    {
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using var request = new HttpRequestMessage(HttpMethod.Post, Route) { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// An <c>ExportTraceServiceRequest</c> with one <c>resource_spans</c> field (tag 0x0A, varint length) holding
    /// <paramref name="marker"/>, padded to <paramref name="totalBytes"/>. The forwarder checks only this top level.
    /// </summary>
    internal static byte[] Export(string marker, int totalBytes = 0)
    {
        var payload = System.Text.Encoding.UTF8.GetBytes(marker).ToList();
        while (payload.Count + 1 + VarintLength(payload.Count) < totalBytes)
        {
            payload.Add((byte)'.');
        }

        List<byte> export = [0x0A];
        for (var length = (uint)payload.Count; ; length >>= 7)
        {
            export.Add((byte)(length < 0x80 ? length : (length & 0x7F) | 0x80));
            if (length < 0x80)
            {
                break;
            }
        }

        export.AddRange(payload);
        return [.. export];
    }

    private static int VarintLength(int value) => value < 0x80 ? 1 : value < 0x4000 ? 2 : 3;

    private static Activity[] Snapshot(SpanList spans) => spans.Snapshot();

    private static string? Path(Activity span) => span.GetTagItem("url.path") as string;

    private static int? Port(Activity span) => span.GetTagItem("server.port") is { } port ? Convert.ToInt32(port, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static bool Contains(byte[] body, string marker) => body.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(marker)) >= 0;

    /// <summary>What the in-memory exporter writes into, on the thread that ends a span, readable meanwhile.</summary>
    private sealed class SpanList : System.Collections.ObjectModel.Collection<Activity>
    {
        private readonly Lock _lock = new();

        public Activity[] Snapshot()
        {
            lock (_lock)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (_lock)
            {
                base.InsertItem(index, item);
            }
        }
    }
}
