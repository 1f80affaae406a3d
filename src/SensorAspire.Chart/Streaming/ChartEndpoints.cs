using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using SensorAspire.Chart.Forwarding;
using SensorAspire.Chart.Windows;
using SensorAspire.Contracts;

namespace SensorAspire.Chart.Streaming;

/// <summary>
/// The chart's HTTP API: current windows, their live stream, the page's settings, and (when browser telemetry is on)
/// the route the page posts its spans to.
/// </summary>
public static partial class ChartEndpoints
{
    /// <summary>SSE event type of a window update; the data is a <see cref="WindowUpdated"/> as JSON.</summary>
    public const string WindowEventType = "window";

    /// <summary>
    /// SSE event type of a window update whose trace is sampled; the data is
    /// <c>{"traceparent":"…","window":…}</c>, the traceparent being the chart's "process sensor-windows" span.
    /// </summary>
    /// <remarks>
    /// A separate event type rather than a field of every event: the window bytes stay exactly as received (no
    /// re-serialising), unsampled updates cost neither side anything, and the windows sent at connect (whose spans
    /// ended long ago) are plain <see cref="WindowEventType"/> events, so the page never draws a span for them.
    /// </remarks>
    public const string TracedWindowEventType = "traced-window";

    // Browsers wait this long before reconnecting after the stream ends (sent once, as the first event's "retry:").
    private static readonly TimeSpan s_reconnectDelay = TimeSpan.FromSeconds(1);

    private static readonly byte[] s_arrayStart = "["u8.ToArray();
    private static readonly byte[] s_separator = ","u8.ToArray();
    private static readonly byte[] s_arrayEnd = "]"u8.ToArray();
    private static readonly byte[] s_emptyArray = "[]"u8.ToArray();

    public static RouteGroupBuilder MapChartEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api");
        api.MapGet("/windows", GetWindows).WithName("GetWindows");
        api.MapGet("/windows/stream", StreamWindows).WithName("StreamWindows");
        api.MapGet("/settings", GetSettings).WithName("GetChartSettings");
        endpoints.MapBrowserTelemetry();
        return api;
    }

    // A JSON array of the windows as they were received: the chart never serialises a window itself.
    private static PushStreamHttpResult GetWindows(LiveWindowHub hub)
    {
        var frames = hub.SnapshotFrames();
        return TypedResults.Stream(async body =>
        {
            for (var i = 0; i < frames.Count; i++)
            {
                await body.WriteAsync(i == 0 ? s_arrayStart : s_separator);
                await body.WriteAsync(frames[i].Utf8Json);
            }

            await body.WriteAsync(frames.Count == 0 ? s_emptyArray : s_arrayEnd);
        }, "application/json");
    }

    private static Ok<ChartPageSettings> GetSettings(IOptions<ChartOptions> options)
        => TypedResults.Ok(new ChartPageSettings(options.Value.MaxSensorsShown, options.Value.BrowserTelemetry));

    // The data is each window's JSON as received from Kafka (WindowFrame), the same bytes for every client.
    private static ServerSentEventsResult<byte[]> StreamWindows(
        LiveWindowHub hub, ChartMetrics metrics, TimeProvider time, ILoggerFactory loggers, HttpContext context)
    {
        var logger = loggers.CreateLogger(typeof(ChartEndpoints));
        var bufferSize = hub.ClientBufferSize;
        // A client further behind than its buffer is cut off: its writer may be stuck on a full socket, so ending the
        // stream from the enumerator would never happen. The browser reconnects and starts from the current windows.
        void Drop()
        {
            metrics.ClientDropped();
            LogClientDropped(logger, bufferSize);
            context.Abort();
        }

        return TypedResults.ServerSentEvents(Stream(hub, metrics, time, Drop, context.RequestAborted));
    }

    /// <summary>The current window of every sensor, then each change as it arrives, coalesced per sensor.</summary>
    internal static async IAsyncEnumerable<SseItem<byte[]>> Stream(
        LiveWindowHub hub, ChartMetrics metrics, TimeProvider time, Action onOverflow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Subscribe before taking the snapshot so no update falls between the two; a window may then come twice.
        using var feed = hub.Subscribe(onOverflow);
        metrics.ClientConnected();
        try
        {
            var first = true;
            foreach (var window in hub.SnapshotFrames())
            {
                yield return Item(window, first, live: false);
                first = false;
            }

            while (await feed.WaitAsync(cancellationToken))
            {
                while (feed.TryTake(out var window))
                {
                    if (window.Window.Points is [.., var newest])
                    {
                        metrics.RecordPush(newest.Timestamp, time.GetUtcNow());
                    }

                    yield return Item(window, first, live: true);
                    first = false;
                }
            }
        }
        finally
        {
            metrics.ClientDisconnected();
        }
    }

    private static SseItem<byte[]> Item(WindowFrame window, bool first, bool live)
        => (live && window.TracedUtf8Json is { } traced
            ? new SseItem<byte[]>(traced, TracedWindowEventType)
            : new SseItem<byte[]>(window.Utf8Json, WindowEventType)) with { ReconnectionInterval = first ? s_reconnectDelay : null };

    [LoggerMessage(30, LogLevel.Warning, "Disconnected an SSE client that fell more than {ClientBufferSize} sensors behind (Chart:ClientBufferSize)")]
    private static partial void LogClientDropped(ILogger logger, int clientBufferSize);
}
