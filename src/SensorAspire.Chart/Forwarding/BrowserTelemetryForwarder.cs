using System.Net.Http.Headers;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using OpenTelemetry;

namespace SensorAspire.Chart.Forwarding;

/// <summary>
/// Passes the page's trace exports on to the chart's own OTLP/HTTP endpoint, adding the headers only the chart holds.
/// </summary>
/// <remarks>
/// <para>
/// The route only queues an export (<see cref="TryEnqueue"/>, never waiting) and answers at once; this worker sends
/// the queue one export at a time with its own <see cref="HttpClient"/> and a timeout of <see cref="CollectorTimeout"/>.
/// So a slow or unreachable collector never holds a request, a thread or the SSE stream: the queue fills, further
/// exports are refused with 503 (OTLP/HTTP: retryable, the page's exporter backs off), and memory stays bounded by
/// <see cref="QueueCapacity"/> exports of at most <c>Chart:BrowserTelemetryMaxExportBytes</c>. The collector's answer
/// is not the page's concern (the OpenTelemetry Collector's receivers answer once data is queued, likewise).
/// </para>
/// <para>
/// The export's own HTTP request is kept out of the chart's traces (<see cref="SuppressInstrumentationScope"/>), as
/// OpenTelemetry's exporters do for theirs: otherwise every forwarded export would start a trace of its own.
/// </para>
/// </remarks>
public sealed partial class BrowserTelemetryForwarder : BackgroundService
{
    /// <summary>Exports that may wait for the collector; a further one is refused (503).</summary>
    public const int QueueCapacity = 32;

    /// <summary>How long one export may take at the collector before it is given up (OTLP exporters default to 10 s).</summary>
    public static readonly TimeSpan CollectorTimeout = TimeSpan.FromSeconds(10);

    private static readonly MediaTypeHeaderValue s_protobuf = new("application/x-protobuf");

    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    private readonly OtlpTracesTarget? _target;
    private readonly HttpClient? _http;
    private readonly ChartMetrics _metrics;
    private readonly ILogger<BrowserTelemetryForwarder> _logger;
    private int _failedInARow;
    private int _droppedSinceLastSent;

    public BrowserTelemetryForwarder(
        IOptions<ChartOptions> options, IConfiguration configuration, ChartMetrics metrics, ILogger<BrowserTelemetryForwarder> logger)
    {
        _metrics = metrics;
        _logger = logger;
        if (options.Value.BrowserTelemetry)
        {
            // Validated at start (ValidateChartOptions): with browser telemetry on there is a target.
            _target = OtlpTracesTarget.FromConfiguration(configuration);
            // Not from IHttpClientFactory: the service defaults give those clients retries and a circuit breaker, and an
            // export that waits on retries holds the queue; a lost browser export is acceptable, a stalled queue less so.
            _http = new HttpClient(new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            {
                Timeout = CollectorTimeout,
            };
        }
    }

    /// <summary>Where exports go, or null when browser telemetry is off.</summary>
    public OtlpTracesTarget? Target => _target;

    /// <summary>Queues an export for the collector without waiting; false (drop it) when the queue is full or telemetry is off.</summary>
    public bool TryEnqueue(byte[] export)
    {
        if (_target is not null && _queue.Writer.TryWrite(export))
        {
            return true;
        }

        _metrics.BrowserExport(ChartMetrics.BrowserExportDropped);
        if (Interlocked.Increment(ref _droppedSinceLastSent) == 1)
        {
            LogDropped(_logger, QueueCapacity);
        }

        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_target is null || _http is null)
        {
            return;
        }

        LogForwarding(_logger, BrowserTelemetryEndpoints.TracesPath, _target);
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
        {
            while (_queue.Reader.TryRead(out var export))
            {
                await SendAsync(_http, _target, export, stoppingToken);
            }
        }
    }

    private async Task SendAsync(HttpClient http, OtlpTracesTarget target, byte[] export, CancellationToken stoppingToken)
    {
        using var suppress = SuppressInstrumentationScope.Begin();
        using var request = new HttpRequestMessage(HttpMethod.Post, target.TracesUrl)
        {
            Content = new ByteArrayContent(export) { Headers = { ContentType = s_protobuf } },
        };
        foreach (var (name, value) in target.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        string? failure;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
            failure = response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
        {
            // TaskCanceledException without the stopping token is HttpClient.Timeout.
            failure = error is TaskCanceledException ? $"no answer within {CollectorTimeout.TotalSeconds:0} s" : error.Message;
        }

        if (failure is null)
        {
            _metrics.BrowserExport(ChartMetrics.BrowserExportForwarded);
            Interlocked.Exchange(ref _droppedSinceLastSent, 0);
            var failed = _failedInARow;
            _failedInARow = 0;
            if (failed > 0)
            {
                LogCollectorBack(_logger, target, failed);
            }
        }
        else
        {
            _metrics.BrowserExport(ChartMetrics.BrowserExportFailed);
            if (_failedInARow++ == 0)
            {
                LogCollectorFailed(_logger, target, failure);
            }
        }
    }

    public override void Dispose()
    {
        _http?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(40, LogLevel.Information, "Browser telemetry is on (Chart:BrowserTelemetry): the page's spans posted to {Route} go to {Target}")]
    private static partial void LogForwarding(ILogger logger, string route, OtlpTracesTarget target);

    [LoggerMessage(41, LogLevel.Warning, "The collector at {Target} did not take a browser export ({Failure}); further failures are counted (sensoraspire.chart.browser_telemetry.exports) but not logged until one goes through")]
    private static partial void LogCollectorFailed(ILogger logger, OtlpTracesTarget target, string failure);

    [LoggerMessage(42, LogLevel.Information, "The collector at {Target} takes browser exports again, after {FailedExports} failed")]
    private static partial void LogCollectorBack(ILogger logger, OtlpTracesTarget target, int failedExports);

    [LoggerMessage(43, LogLevel.Warning, "Refused a browser export: {QueueCapacity} exports already wait for the collector; further refusals are counted but not logged until one goes through")]
    private static partial void LogDropped(ILogger logger, int queueCapacity);
}
