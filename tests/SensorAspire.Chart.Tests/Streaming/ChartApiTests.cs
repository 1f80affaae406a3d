using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using SensorAspire.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SensorAspire.Chart.Streaming;
using SensorAspire.Contracts;
using static SensorAspire.Chart.Tests.WindowProducer;

namespace SensorAspire.Chart.Tests.Streaming;

public sealed class ChartApiTests(BrokerFixture broker)
{
    private static readonly string[] s_sensors = ["temp1", "temp2", "s-03", "s-04", "s-05", "s-06", "s-07", "s-08"];

    [Fact]
    public async Task WindowsEndpointReturnsTheLatestWindowOfEverySensorFromEveryPartition()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "api");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        HashSet<int> partitions = [];
        foreach (var id in s_sensors)
        {
            await producer.ProduceAsync(Window(id, 1));
            partitions.Add((await producer.ProduceAsync(Window(id, 1, 2))).Partition.Value);
        }

        // Started after the messages were written: the chart reads the compacted topic from the beginning.
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();
        await app.WaitForWindowsAsync(w => w.Count == s_sensors.Length && w.All(x => x.Points.Count == 2));
        using var client = app.CreateHttpClient();
        var windows = await client.GetFromJsonAsync("api/windows", ContractsJsonContext.Default.IReadOnlyListWindowUpdated,
            TestContext.Current.CancellationToken);

        Assert.True(partitions.Count > 1, "the sensors should spread over several partitions");
        Assert.NotNull(windows);
        Assert.Equal(s_sensors.Order(StringComparer.Ordinal), windows.Select(w => w.SensorId));
        Assert.All(windows, w => Assert.Equal([1.0, 2.0], w.Points.Select(p => p.Value)));
        Assert.All(windows, w => Assert.Equal(2, w.Stats.Last));
    }

    [Fact]
    public async Task StreamSendsCurrentWindowsFirstThenEachUpdateAsAWindowEvent()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "stream");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 20));
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();
        await app.WaitForWindowsAsync(w => w.Count == 1);
        using var client = app.CreateHttpClient();
        var cancellationToken = TestContext.Current.CancellationToken;
        using var pushLatency = new MetricCollector<double>(
            app.Services.GetRequiredService<IMeterFactory>(), ChartTelemetry.Name, "sensoraspire.chart.push.latency");

        using var response = await client.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var events = SseParser.Create(body).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var initial = await NextWindowAsync(events);
        await producer.ProduceAsync(Window("temp2", 10));
        var second = await NextWindowAsync(events);
        await producer.ProduceAsync(Window("temp1", 20, 21));
        var third = await NextWindowAsync(events);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(("temp1", 1), (initial.SensorId, initial.Points.Count));
        Assert.Equal(("temp2", 1), (second.SensorId, second.Points.Count));
        Assert.Equal(("temp1", 2), (third.SensorId, third.Points.Count));
        // Live pushes (not the initial windows) record reading timestamp -> push; the test windows are hours old.
        var pushes = pushLatency.GetMeasurementSnapshot();
        Assert.Equal(2, pushes.Count);
        Assert.All(pushes, seconds => Assert.True(seconds.Value > 60));
    }

    [Fact]
    public async Task VanishedClientIsUnsubscribedAndOthersKeepReceiving()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "vanish");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 20));
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();
        await app.WaitForWindowsAsync(w => w.Count == 1);
        var cancellationToken = TestContext.Current.CancellationToken;
        using var staying = app.CreateHttpClient();
        using var stayingResponse = await staying.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var events = SseParser.Create(await stayingResponse.Content.ReadAsStreamAsync(cancellationToken))
            .EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await NextWindowAsync(events);
        var leaving = app.CreateHttpClient();
        var leavingResponse = await leaving.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var hub = app.Services.GetRequiredService<SensorAspire.Chart.Windows.LiveWindowHub>();
        Assert.Equal(2, hub.SubscriberCount);

        leavingResponse.Dispose();
        leaving.Dispose();
        await Wait.UntilAsync(() => hub.SubscriberCount == 1, "the server to unsubscribe the closed client");
        await producer.ProduceAsync(Window("temp1", 20, 21));
        var update = await NextWindowAsync(events);

        Assert.Equal(2, update.Points.Count);
    }

    [Fact]
    public async Task ClientThatStopsReadingIsDroppedOnceItFallsBehindItsBufferWhileOthersKeepReceiving()
    {
        // Enough data (2,000 sensors of 100 points, about 6 KiB each) to fill the stalled connection's socket buffers
        // (Linux grows a send buffer up to 4 MiB) and Kestrel's, so the server's writer for it blocks and more than
        // ClientBufferSize sensors wait for it.
        const int Sensors = 2000;
        const int BatchSize = 50;
        var topic = await WindowProducer.CreateTopicAsync(broker, "stall");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceAsync(Window("temp1", 20));
        await using var app = new ChartApp(broker.BootstrapServers, topic, new Dictionary<string, string?>
        {
            ["Chart:MaxSensors"] = "5000",
            ["Chart:ClientBufferSize"] = "100",
        }).Start();
        await app.WaitForWindowsAsync(w => w.Count == 1);
        var cancellationToken = TestContext.Current.CancellationToken;
        var hub = app.Services.GetRequiredService<SensorAspire.Chart.Windows.LiveWindowHub>();
        using var stalled = await StalledClient.ConnectAsync(app.BaseAddress);
        using var reading = app.CreateHttpClient();
        using var readingResponse = await reading.GetAsync("api/windows/stream", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var events = SseParser.Create(await readingResponse.Content.ReadAsStreamAsync(cancellationToken))
            .EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await NextWindowAsync(events);
        await Wait.UntilAsync(() => hub.SubscriberCount == 2, "both clients to subscribe");

        // Produced in batches paced by the reading client, so it never has more than a batch waiting.
        var values = Enumerable.Range(0, 100).Select(i => 20.0 + (i * 0.125)).ToArray();
        for (var batch = 0; batch < Sensors / BatchSize; batch++)
        {
            var ids = Enumerable.Range(batch * BatchSize, BatchSize).Select(i => $"sensor-{i:D4}").ToArray();
            foreach (var id in ids)
            {
                producer.Produce(Window(id, values));
            }

            producer.Flush();
            await ReadUntilAsync(events, ids);
        }

        await Wait.UntilAsync(() => hub.SubscriberCount == 1, "the server to unsubscribe the closed client");
        await producer.ProduceAsync(Window("zz-last", 1));

        // The reading client is the one still connected: it gets the next update.
        await ReadUntilAsync(events, ["zz-last"]);
        Assert.Equal(1, hub.SubscriberCount);
    }

    [Fact]
    public async Task WindowUpdatesTheContractRejectsAreSkippedAndNeverReachThePage()
    {
        const string Valid = """{"sensorId":"good","points":[{"timestamp":"2026-01-01T00:00:00+00:00","value":1}],"stats":{"count":1,"min":1,"max":1,"mean":1,"last":1},"source":{"topic":"r","partition":0,"offset":0},"publishedAt":"2026-01-01T00:00:00+00:00","v":1}""";
        var topic = await WindowProducer.CreateTopicAsync(broker, "invalid");
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await producer.ProduceRawAsync("bad", Valid.Replace("\"good\"", "\"bad\"", StringComparison.Ordinal).Replace("[{\"timestamp\":\"2026-01-01T00:00:00+00:00\",\"value\":1}]", "null", StringComparison.Ordinal));
        await producer.ProduceRawAsync("other", Valid);
        await producer.ProduceRawAsync("good", Valid);

        // The messages share a partition, so once "good" is read the two before it were read too.
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();
        await app.WaitForWindowsAsync(w => w.Any(x => x.SensorId == "good"));
        using var client = app.CreateHttpClient();
        var json = await client.GetStringAsync("api/windows", TestContext.Current.CancellationToken);

        Assert.Equal($"[{Valid}]", json);
    }

    [Fact]
    public async Task SettingsEndpointSaysOnlyThatBrowserTelemetryIsOnNeverTheOtlpEndpointOrHeaders()
    {
        await using var app = new ChartApp(broker.BootstrapServers, BrokerFixture.UniqueTopic("settings-otlp"),
            new Dictionary<string, string?>
            {
                ["Chart:BrowserTelemetry"] = "true",
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:4318",
                ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
                ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-otlp-api-key=settings-secret",
                ["OTEL_TRACES_EXPORTER"] = "none",
            }).Start();
        using var client = app.CreateHttpClient();

        var json = await client.GetStringAsync("api/settings", TestContext.Current.CancellationToken);

        Assert.Equal("""{"maxSensorsShown":8,"browserTelemetry":true}""", json);
    }

    [Fact]
    public async Task SettingsEndpointTellsThePageHowManySensorsToShow()
    {
        await using var app = new ChartApp(broker.BootstrapServers, BrokerFixture.UniqueTopic("settings"),
            new Dictionary<string, string?> { ["Chart:MaxSensorsShown"] = "3" }).Start();
        using var client = app.CreateHttpClient();

        var json = await client.GetStringAsync("api/settings", TestContext.Current.CancellationToken);

        Assert.Equal("""{"maxSensorsShown":3,"browserTelemetry":false}""", json);
    }

    private static async Task ReadUntilAsync(IAsyncEnumerator<SseItem<string>> events, IReadOnlyCollection<string> sensorIds)
    {
        var missing = new HashSet<string>(sensorIds);
        while (missing.Count > 0)
        {
            missing.Remove((await NextWindowAsync(events)).SensorId);
        }
    }

    /// <summary>The next window update, plain or traced (the tests' windows are sampled unless they say otherwise).</summary>
    internal static async Task<WindowUpdated> NextWindowAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        var item = await NextEventAsync(events);
        if (item.EventType == ChartEndpoints.TracedWindowEventType)
        {
            using var traced = JsonDocument.Parse(item.Data);
            return traced.RootElement.GetProperty("window").Deserialize(ContractsJsonContext.Default.WindowUpdated)!;
        }

        Assert.Equal(ChartEndpoints.WindowEventType, item.EventType);
        // The data is the WindowUpdated itself, not an SseItem wrapper (dotnet/aspnetcore#64183).
        Assert.StartsWith("""{"sensorId":""", item.Data, StringComparison.Ordinal);
        return JsonSerializer.Deserialize(item.Data, ContractsJsonContext.Default.WindowUpdated)!;
    }

    internal static async Task<SseItem<string>> NextEventAsync(IAsyncEnumerator<SseItem<string>> events)
    {
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(ChartAppExtensions.Timeout, TestContext.Current.CancellationToken));
        return events.Current;
    }

    /// <summary>A raw connection with a tiny receive buffer that asks for the stream and never reads.</summary>
    private sealed class StalledClient(System.Net.Sockets.Socket socket) : IDisposable
    {
        public static async Task<StalledClient> ConnectAsync(Uri baseAddress)
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
            {
                ReceiveBufferSize = 1024,
            };
            await socket.ConnectAsync(baseAddress.Host, baseAddress.Port, TestContext.Current.CancellationToken);
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(
                $"GET /api/windows/stream HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nAccept: text/event-stream\r\n\r\n"));
            return new StalledClient(socket);
        }

        public void Dispose() => socket.Dispose();
    }
}
