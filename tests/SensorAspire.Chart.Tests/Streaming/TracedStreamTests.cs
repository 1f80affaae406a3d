using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using SensorAspire.Chart.Streaming;
using SensorAspire.Testing;
using static SensorAspire.Chart.Tests.Streaming.ChartApiTests;
using static SensorAspire.Chart.Tests.WindowProducer;

namespace SensorAspire.Chart.Tests.Streaming;

/// <summary>
/// Which SSE events carry the chart span's traceparent. In <see cref="ActivityListenerCollection"/>: another test's
/// listener that records everything would make the unsampled update's span recorded too.
/// </summary>
[Collection(ActivityListenerCollection.Name)]
public sealed class TracedStreamTests(BrokerFixture broker)
{
    [Fact]
    public async Task SampledUpdateIsATracedWindowEventCarryingTheChartSpanAndTheReceivedBytes()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        await using var stream = await ConnectedStream.OpenAsync(broker, "traced");
        var update = Window("temp1", 20, 21);

        await stream.Producer.ProduceAsync(update, $"00-{traceId}-{parentSpanId}-01");
        var traced = await NextEventAsync(stream.Events);
        using var data = JsonDocument.Parse(traced.Data);
        var traceparent = data.RootElement.GetProperty("traceparent").GetString()!.Split('-');

        // The window sent at connect belongs to a span that ended long ago: it is a plain window event.
        Assert.Equal(ChartEndpoints.WindowEventType, stream.Initial.EventType);
        Assert.Equal(ChartEndpoints.TracedWindowEventType, traced.EventType);
        // The chart's own span: the reading's trace, a new span id (the producer's is its parent), sampled.
        Assert.Equal(["00", traceId.ToString(), "01"], [traceparent[0], traceparent[1], traceparent[3]]);
        Assert.NotEqual(parentSpanId.ToString(), traceparent[2]);
        Assert.Equal($$"""{"traceparent":"{{string.Join('-', traceparent)}}","window":{{Encoding.UTF8.GetString(update.ToUtf8Json())}}}""", traced.Data);
    }

    [Fact]
    public async Task UnsampledUpdateIsAPlainWindowEvent()
    {
        await using var stream = await ConnectedStream.OpenAsync(broker, "unsampled");

        // Trace flags 00: the reading's trace is not sampled, so the chart's span is not recorded (parent-based sampling).
        var window = Window("temp1", 20, 21);
        await stream.Producer.ProduceAsync(window, $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00");
        var update = await NextEventAsync(stream.Events);

        Assert.Equal(ChartEndpoints.WindowEventType, update.EventType);
        Assert.Equal(Encoding.UTF8.GetString(window.ToUtf8Json()), update.Data);
    }

    /// <summary>A chart holding one window of temp1, and an SSE client that has read that first event.</summary>
    private sealed class ConnectedStream : IAsyncDisposable
    {
        private ChartApp _app = null!;
        private HttpClient _client = null!;
        private HttpResponseMessage _response = null!;

        public WindowProducer Producer { get; private init; } = null!;

        public IAsyncEnumerator<SseItem<string>> Events { get; private set; } = null!;

        public SseItem<string> Initial { get; private set; }

        public static async Task<ConnectedStream> OpenAsync(BrokerFixture broker, string name)
        {
            var topic = await WindowProducer.CreateTopicAsync(broker, name);
            var stream = new ConnectedStream { Producer = new WindowProducer(broker.BootstrapServers, topic) };
            await stream.Producer.ProduceAsync(Window("temp1", 20));
            stream._app = new ChartApp(broker.BootstrapServers, topic).Start();
            await stream._app.WaitForWindowsAsync(w => w.Count == 1);
            stream._client = stream._app.CreateHttpClient();
            var cancellationToken = TestContext.Current.CancellationToken;
            stream._response = await stream._client.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            stream.Events = SseParser.Create(await stream._response.Content.ReadAsStreamAsync(cancellationToken))
                .EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
            stream.Initial = await NextEventAsync(stream.Events);
            return stream;
        }

        public async ValueTask DisposeAsync()
        {
            await Events.DisposeAsync();
            _response.Dispose();
            _client.Dispose();
            await _app.DisposeAsync();
            Producer.Dispose();
        }
    }
}
