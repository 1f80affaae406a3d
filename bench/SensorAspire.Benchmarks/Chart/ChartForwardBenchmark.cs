using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SensorAspire.Contracts;
using SensorAspire.EmbeddedKafka;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>
/// <c>chart forward</c>: the chart's CPU per forwarded browser export. The chart (Release build, its own process, browser
/// telemetry on) forwards to a local OTLP/HTTP receiver that accepts everything; the benchmark posts exports shaped as
/// the page's (N <c>draw sensor-windows</c> spans of the <c>chart-browser</c> resource, OTLP protobuf) to
/// <c>POST /otlp/v1/traces</c> at a fixed rate. The chart's CPU (user + system, <c>/proc</c>) is read over periods
/// with no exports alternating with periods of the same length with them; the difference over the exports the receiver
/// got is the CPU per forwarded export (receiving, checking and queueing it, and sending it on with the headers).
/// </summary>
/// <remarks>Options: <c>--exports N</c> per second (default 50), <c>--spans N</c> per export (default 100), <c>--seconds N</c> per period (default 10), <c>--pairs N</c> of an idle and a forwarding period (default 4).</remarks>
internal static class ChartForwardBenchmark
{
    private const string ApiKey = "forward-benchmark-key";

    public static async Task<int> RunAsync(string[] args)
    {
        var rate = ChartBenchmark.Option(args, "--exports", 50);
        var spans = ChartBenchmark.Option(args, "--spans", 100);
        var seconds = ChartBenchmark.Option(args, "--seconds", 10);
        var pairs = ChartBenchmark.Option(args, "--pairs", 4);
        var export = DrawSpansExport(spans);
        Console.WriteLine($"chart forward: {rate} exports/s of {spans} draw spans ({export.Length} B each) -> chart -> OTLP/HTTP receiver, {seconds} s per period");

        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { DefaultPartitions = 3 });
        var topic = $"bench-windows-{Guid.NewGuid():N}";
        await ProduceOneWindowAsync(broker.BootstrapServers, topic);
        await using var receiver = await OtlpHttpReceiver.StartAsync(export);
        await using var chart = ServiceProcess.StartChart(broker.BootstrapServers, topic, new Dictionary<string, string>
        {
            ["Chart__BrowserTelemetry"] = "true",
            // One client posts every export here; the per-client limit is for browsers.
            ["Chart__BrowserTelemetryExportsPerMinute"] = $"{Math.Max(300, rate * 120)}",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = $"x-otlp-api-key={ApiKey}",
        });
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = chart.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (!await ChartBenchmark.WaitForWindowsAsync(http, 1, TimeSpan.FromSeconds(60)))
        {
            Console.WriteLine("  NOT MEASURED: the chart did not read its window topic within 60 s (is it built in Release?)");
            return 1;
        }

        // Warm-up: the route, the forwarder's connection and JIT, at the measured rate.
        var warmUp = await PostAtRateAsync(http, export, rate, TimeSpan.FromSeconds(5));
        if (!await receiver.WaitForAsync(warmUp.Accepted, TimeSpan.FromSeconds(30)))
        {
            Console.WriteLine($"  NOT MEASURED: the receiver got {receiver.Exports} of {warmUp.Accepted} warm-up exports ({warmUp.Summary()})");
            return 1;
        }

        // Idle and forwarding periods alternate, so that what the chart does on its own meanwhile (its consumer's
        // polls, its own telemetry, tiered JIT and GC settling after the warm-up) weighs on both alike.
        TimeSpan idle = TimeSpan.Zero, busy = TimeSpan.Zero;
        long forwarded = 0;
        var refusedOrFailed = 0;
        // Pair 0 settles the chart and is not counted: its idle period, straight after the warm-up, measured the
        // chart's own start-up work (several times the CPU of a later idle period), not what it does when idle.
        var perPair = new List<double>();
        for (var pair = 0; pair <= pairs; pair++)
        {
            var idleStart = chart.CpuTime;
            await Task.Delay(TimeSpan.FromSeconds(seconds)); // the idle period itself
            var idleCpu = chart.CpuTime - idleStart;

            var forwardedBefore = receiver.Exports;
            var busyStart = chart.CpuTime;
            var posted = await PostAtRateAsync(http, export, rate, TimeSpan.FromSeconds(seconds));
            var arrived = await receiver.WaitForAsync(forwardedBefore + posted.Accepted, TimeSpan.FromSeconds(30));
            var busyCpu = chart.CpuTime - busyStart;
            var pairForwarded = receiver.Exports - forwardedBefore;
            var pairPerExport = (busyCpu - idleCpu).TotalMicroseconds / Math.Max(1, pairForwarded);
            Console.WriteLine($"  pair {pair}{(pair == 0 ? " (settling, not counted)" : "")}: posted {posted.Summary()}; the receiver got {pairForwarded}; chart CPU idle {idleCpu.TotalMilliseconds / seconds:F1} ms/s, "
                + $"forwarding {busyCpu.TotalMilliseconds / seconds:F1} ms/s -> {pairPerExport:F0} µs per export");
            if (!arrived || pairForwarded == 0)
            {
                Console.WriteLine("  NOT MEASURED: not every accepted export reached the receiver");
                return 1;
            }

            if (pair == 0)
            {
                continue;
            }

            perPair.Add(pairPerExport);
            idle += idleCpu;
            busy += busyCpu;
            forwarded += pairForwarded;
            refusedOrFailed += posted.Refused + posted.Failed;
        }

        // A forwarding period ends when the last export reached the receiver, a little after `seconds`; the idle CPU
        // subtracted is that of `seconds`, so the figure leans high by at most that little while's idle CPU.
        var perExport = (busy - idle).TotalMicroseconds / forwarded;
        Console.WriteLine($"  load average {ChartBenchmark.LoadAverage()}; {refusedOrFailed} exports refused or failed");
        perPair.Sort();
        Console.WriteLine($"  chart CPU per forwarded export: {perExport:F0} µs over {pairs} pairs ({perExport / spans:F2} µs per span, {export.Length} B); "
            + $"per pair {perPair[0]:F0} to {perPair[^1]:F0} µs");
        Console.WriteLine($"  headers at the receiver: x-otlp-api-key {(receiver.LastApiKey == ApiKey ? "as the chart holds it" : "MISSING")}");
        return receiver.LastApiKey == ApiKey ? 0 : 1;
    }

    private sealed record Posted(int Accepted, int Refused, int Failed)
    {
        public string Summary() => $"{Accepted} accepted, {Refused} refused, {Failed} failed";
    }

    /// <summary>Posts <paramref name="export"/> at <paramref name="rate"/> a second for <paramref name="period"/>, one at a time.</summary>
    private static async Task<Posted> PostAtRateAsync(HttpClient http, byte[] export, int rate, TimeSpan period)
    {
        // Ticks of 10 ms, each posting the exports due by then, so the rate holds even if a tick is late.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        var started = DateTime.UtcNow;
        int sent = 0, accepted = 0, refused = 0, failed = 0;
        while (DateTime.UtcNow - started < period && await timer.WaitForNextTickAsync())
        {
            var due = (int)((DateTime.UtcNow - started).TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                using var content = new ByteArrayContent(export) { Headers = { ContentType = new MediaTypeHeaderValue("application/x-protobuf") } };
                try
                {
                    using var response = await http.PostAsync("otlp/v1/traces", content);
                    if (response.IsSuccessStatusCode)
                    {
                        accepted++;
                    }
                    else
                    {
                        refused++;
                    }
                }
                catch (HttpRequestException)
                {
                    failed++;
                }
            }
        }

        return new Posted(accepted, refused, failed);
    }

    private static async Task ProduceOneWindowAsync(string bootstrapServers, string topic)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrapServers }).Build();
        var now = DateTimeOffset.UtcNow;
        var window = new WindowUpdated("temp1", [new WindowPoint(now, 21.5)], new WindowStats(1, 21.5, 21.5, 21.5, 21.5),
            new SourcePosition(TopicNames.Readings, 0, 0), now);
        await producer.ProduceAsync(topic, new Message<string, byte[]>
        {
            Key = window.SensorId,
            Value = JsonSerializer.SerializeToUtf8Bytes(window, ContractsJsonContext.Default.WindowUpdated),
        });
    }

    /// <summary>
    /// An <c>ExportTraceServiceRequest</c> as the page's exporter sends it: one <c>ResourceSpans</c> (resource
    /// <c>service.name=chart-browser</c>) with one <c>ScopeSpans</c> of <paramref name="count"/> draw spans, each with a
    /// trace id, span id, parent span id, name, kind Internal, start and end, <c>sensor.id</c> and <c>sensor.point_count</c>.
    /// Field numbers from <c>opentelemetry/proto/trace/v1/trace.proto</c> and <c>common/v1/common.proto</c>.
    /// </summary>
    internal static byte[] DrawSpansExport(int count)
    {
        var random = new Random(21);
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var scopeSpans = new Proto()
            .Message(1, new Proto().String(1, "SensorAspire.Chart.Browser")); // InstrumentationScope.name
        for (var i = 0; i < count; i++)
        {
            var span = new Proto()
                .Bytes(1, RandomBytes(random, 16)) // trace_id
                .Bytes(2, RandomBytes(random, 8)) // span_id
                .Bytes(4, RandomBytes(random, 8)) // parent_span_id
                .String(5, "draw sensor-windows") // name
                .Varint(6, 1) // kind: SPAN_KIND_INTERNAL
                .Fixed64(7, start + ((ulong)i * 1_000_000)) // start_time_unix_nano
                .Fixed64(8, start + ((ulong)i * 1_000_000) + 2_500_000) // end_time_unix_nano
                .Message(9, new Proto().String(1, "sensor.id").Message(2, new Proto().String(1, $"temp{(i % 2) + 1}"))) // attributes: string_value
                .Message(9, new Proto().String(1, "sensor.point_count").Message(2, new Proto().Varint(3, 12))); // attributes: int_value
            scopeSpans.Message(2, span);
        }

        var resource = new Proto().Message(1, new Proto().String(1, "service.name").Message(2, new Proto().String(1, "chart-browser")));
        var resourceSpans = new Proto().Message(1, resource).Message(2, scopeSpans);
        return new Proto().Message(1, resourceSpans).ToArray();
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Just enough of the protobuf wire format to write an OTLP export: varint, fixed64 and length-delimited fields.</summary>
    private sealed class Proto
    {
        private readonly List<byte> _bytes = [];

        public Proto Varint(int field, ulong value) => Tag(field, 0).Raw(value);

        public Proto Fixed64(int field, ulong value)
        {
            Tag(field, 1);
            for (var i = 0; i < 8; i++)
            {
                _bytes.Add((byte)(value >> (8 * i)));
            }

            return this;
        }

        public Proto Bytes(int field, byte[] value)
        {
            Tag(field, 2).Raw((ulong)value.Length);
            _bytes.AddRange(value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => [.. _bytes];

        private Proto Tag(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private Proto Raw(ulong value)
        {
            for (; value >= 0x80; value >>= 7)
            {
                _bytes.Add((byte)(value | 0x80));
            }

            _bytes.Add((byte)value);
            return this;
        }
    }

    /// <summary>
    /// A local OTLP/HTTP receiver: answers every POST as a collector answers a full success (200, an empty protobuf
    /// response) and counts the requests whose body is the benchmark's export (the chart's own telemetry goes there too).
    /// </summary>
    private sealed class OtlpHttpReceiver(WebApplication app, byte[] export) : IAsyncDisposable
    {
        private long _exports;

        public string Endpoint { get; private set; } = "";

        public long Exports => Interlocked.Read(ref _exports);

        public string? LastApiKey { get; private set; }

        public static async Task<OtlpHttpReceiver> StartAsync(byte[] export)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var receiver = new OtlpHttpReceiver(app, export);
            app.MapPost("/{**path}", receiver.ReceiveAsync);
            await app.StartAsync();
            receiver.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return receiver;
        }

        /// <summary>Waits, polling, until <paramref name="count"/> exports have arrived; false when the bound runs out.</summary>
        public async Task<bool> WaitForAsync(long count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (Exports < count && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            return Exports >= count;
        }

        private async Task ReceiveAsync(HttpContext context)
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            if (body.Length == export.Length && body.GetBuffer().AsSpan(0, export.Length).SequenceEqual(export))
            {
                LastApiKey = context.Request.Headers["x-otlp-api-key"];
                Interlocked.Increment(ref _exports);
            }

            context.Response.ContentType = "application/x-protobuf";
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
