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
        var topic = await WindowProducer.CreateTopicAsync(broker, "traced");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 20));
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();
        await app.WaitForWindowsAsync(w => w.Count == 1);
        using var client = app.CreateHttpClient();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var response = await client.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var events = SseParser.Create(await response.Content.ReadAsStreamAsync(cancellationToken))
            .EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var initial = await NextEventAsync(events);
        var update = Window("temp1", 20, 21);

        await producer.ProduceAsync(update, $"00-{traceId}-{parentSpanId}-01");
        var traced = await NextEventAsync(events);
        using var data = JsonDocument.Parse(traced.Data);
        var traceparent = data.RootElement.GetProperty("traceparent").GetString()!.Split('-');

        // The window sent at connect belongs to a span that ended long ago: it is a plain window event.
        Assert.Equal(ChartEndpoints.WindowEventType, initial.EventType);
        Assert.Equal(ChartEndpoints.TracedWindowEventType, traced.EventType);
        // The chart's own span: the reading's trace, a new span id (the producer's is its parent), sampled.
        Assert.Equal(["00", traceId.ToString(), "01"], [traceparent[0], traceparent[1], traceparent[3]]);
        Assert.NotEqual(parentSpanId.ToString(), traceparent[2]);
        Assert.Equal($$"""{"traceparent":"{{string.Join('-', traceparent)}}","window":{{Encoding.UTF8.GetString(update.ToUtf8Json())}}}""", traced.Data);
    }

    [Fact]
    public async Task UnsampledUpdateIsAPlainWindowEvent()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "unsampled");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 20));
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();
        await app.WaitForWindowsAsync(w => w.Count == 1);
        using var client = app.CreateHttpClient();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var response = await client.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var events = SseParser.Create(await response.Content.ReadAsStreamAsync(cancellationToken))
            .EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await NextEventAsync(events);

        // Trace flags 00: the reading's trace is not sampled, so the chart's span is not recorded (parent-based sampling).
        var window = Window("temp1", 20, 21);
        await producer.ProduceAsync(window, $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00");
        var update = await NextEventAsync(events);

        Assert.Equal(ChartEndpoints.WindowEventType, update.EventType);
        Assert.Equal(Encoding.UTF8.GetString(window.ToUtf8Json()), update.Data);
    }
}
