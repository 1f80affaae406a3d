using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Confluent.Kafka;
using SensorAspire.Contracts;
using SensorAspire.EmbeddedKafka;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>
/// <c>chart</c>: SSE fan-out of the chart service. N clients (default 1,000) hold the stream open while window updates
/// are produced to Kafka at a fixed rate (default 10/s, alternating temp1 and temp2); each client records the lag from
/// the update's <c>publishedAt</c> (set just before producing) to the event arriving. Then one more client connects
/// and stops reading, and the others' lag is measured again. The chart runs in its own process (Release build) so its
/// working set is the server's alone.
/// </summary>
/// <remarks>Options: <c>--clients N</c>, <c>--rate N</c> (updates per second), <c>--seconds N</c> per phase.</remarks>
internal static class ChartFanOutBenchmark
{
    private static readonly string[] s_sensors = ["temp1", "temp2"];

    public static async Task<int> RunAsync(string[] args)
    {
        var clients = ChartBenchmark.Option(args, "--clients", 1000);
        var rate = ChartBenchmark.Option(args, "--rate", 10);
        var seconds = ChartBenchmark.Option(args, "--seconds", 15);
        ThreadPool.SetMinThreads(64, 64);

        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { DefaultPartitions = 3 });
        var topic = $"bench-windows-{Guid.NewGuid():N}";
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 0 }).Build();
        var sequence = 0;
        foreach (var id in s_sensors)
        {
            await ProduceAsync(producer, topic, id, sequence++);
        }

        await using var server = ServiceProcess.StartChart(broker.BootstrapServers, topic);
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = server.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (!await ChartBenchmark.WaitForWindowsAsync(http, s_sensors.Length, TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The chart did not read the window topic in time.");
        }
        var idleMemory = server.SampleWorkingSet();

        Console.WriteLine($"chart fan-out: {clients} SSE clients, {rate} window updates/s, {seconds} s per phase");
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, clients).Select(_ => new SseBenchClient(http, SseBenchClient.PublishedAt)).ToArray();
        var connectWatch = Stopwatch.StartNew();
        var running = readers.Select(r => r.RunAsync(s_sensors.Length, stop.Token)).ToArray();
        await Task.WhenAll(readers.Select(r => r.SnapshotReceived)).WaitAsync(TimeSpan.FromSeconds(60));
        Console.WriteLine($"  {clients} clients connected and received the initial windows in {connectWatch.ElapsedMilliseconds} ms");

        using var produceStop = new CancellationTokenSource();
        var producing = ProduceAtRateAsync(producer, topic, rate, () => sequence++, produceStop.Token);
        long memoryWithClients = 0;

        // Phase 1: everyone reads.
        // Ten seconds to settle after 1,000 connections: tiered JIT, thread pool and GC heap sizes, in both processes.
        await MeasureAsync(readers, server, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(seconds), m => memoryWithClients = m);
        var normal = LatencySamples.Merge(readers.Select(r => r.Lag));
        Console.WriteLine($"  delivery lag, all clients reading:         {normal.Summary()} (load average {ChartBenchmark.LoadAverage()})");

        // Phase 2: one more client stops reading (tiny socket buffer so its connection really backs up).
        using var stalled = await StartStalledClientAsync(server.BaseAddress);
        var producedBeforeStall = Volatile.Read(ref sequence);
        foreach (var reader in readers)
        {
            reader.Lag.Clear();
        }

        // At 10 updates/s (~10 KiB/s) the kernel and Kestrel buffers of the stalled connection absorb minutes of updates
        // before the server's writer for it blocks; the drain count below shows whether it did. The blocked-writer path
        // itself (coalescing, then dropping the client) is covered by ChartApiTests.StalledClientIsDropped...
        long memoryWithStalled = 0;
        await MeasureAsync(readers, server, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(seconds), m => memoryWithStalled = m);
        var withStalled = LatencySamples.Merge(readers.Select(r => r.Lag));
        Console.WriteLine($"  delivery lag, one client stopped reading:  {withStalled.Summary()} (load average {ChartBenchmark.LoadAverage()})");

        await produceStop.CancelAsync();
        await producing;
        var producedWhileStalled = Volatile.Read(ref sequence) - producedBeforeStall;
        var (stalledBytes, stalledEvents, stalledClosed) = await stalled.DrainAsync(TimeSpan.FromSeconds(2));
        // Fewer events than updates means the server's writer for it was blocked and coalesced what waited.
        Console.WriteLine($"  stalled client: {(stalledClosed ? "disconnected by the server" : "still connected")}; when it finally read, " +
            $"{stalledBytes / 1024.0:F0} KiB held {stalledEvents} events for {producedWhileStalled} updates " +
            $"(+{s_sensors.Length} initial windows)");
        await stop.CancelAsync();
        await Task.WhenAll(running);

        var expected = (long)rate * seconds * clients;
        Console.WriteLine($"  events per phase: expected ~{expected}, measured {normal.Count} and {withStalled.Count}");
        Console.WriteLine($"  server working set: idle {Mb(idleMemory)}, with {clients} clients {Mb(memoryWithClients)}, " +
            $"with the stalled client {Mb(memoryWithStalled)}, peak {Mb(server.PeakWorkingSet)}");
        var p99 = normal.Percentile(99);
        Console.WriteLine($"  target: p99 <= 100 ms -> {(p99 <= 100 ? "met" : "NOT met")} ({p99:F1} ms); " +
            $"stalled client changes p99 by {withStalled.Percentile(99) - p99:+0.0;-0.0} ms");
        return 0;
    }

    private static async Task MeasureAsync(
        SseBenchClient[] readers, ServiceProcess server, TimeSpan warmup, TimeSpan duration, Action<long> memory)
    {
        await Task.Delay(warmup); // settle after a change of phase; not a synchronisation
        foreach (var reader in readers)
        {
            reader.Recording = true;
        }

        // One memory sample a second for the whole measuring period.
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
        for (var second = 0; second < duration.TotalSeconds && await tick.WaitForNextTickAsync(); second++)
        {
            memory(server.SampleWorkingSet());
        }

        foreach (var reader in readers)
        {
            reader.Recording = false;
        }
    }

    private static async Task ProduceAtRateAsync(
        IProducer<string, byte[]> producer, string topic, int rate, Func<int> next, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / rate));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var n = next();
                await ProduceAsync(producer, topic, s_sensors[n % s_sensors.Length], n);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static Task ProduceAsync(IProducer<string, byte[]> producer, string topic, string sensorId, int n)
    {
        // A full window of 12 points, as the aggregator publishes it.
        var now = DateTimeOffset.UtcNow;
        var points = Enumerable.Range(0, 12).Select(i => new WindowPoint(now.AddSeconds(2 * (i - 11)), 20 + ((n + i) % 19))).ToArray();
        var values = points.Select(p => p.Value).ToArray();
        var window = new WindowUpdated(sensorId, points, new WindowStats(12, values.Min(), values.Max(), values.Average(), values[^1]),
            new SourcePosition(TopicNames.Readings, 0, n), DateTimeOffset.UtcNow);
        return producer.ProduceAsync(topic, new Message<string, byte[]>
        {
            Key = sensorId,
            Value = JsonSerializer.SerializeToUtf8Bytes(window, ContractsJsonContext.Default.WindowUpdated),
        });
    }

    private static async Task<StalledClient> StartStalledClientAsync(Uri baseAddress)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, baseAddress.Port));
        var request = $"GET /api/windows/stream HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nAccept: text/event-stream\r\n\r\n";
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(request));
        return new StalledClient(socket); // never reads another byte
    }

    private static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):F0} MB";

    private sealed class StalledClient(Socket socket) : IDisposable
    {
        private static readonly byte[] s_eventLine = "event: window"u8.ToArray();

        /// <summary>Reads what the server had sent: bytes, window events, and whether it had closed the connection.</summary>
        public async Task<(long Bytes, int Events, bool Closed)> DrainAsync(TimeSpan timeout)
        {
            var received = new MemoryStream();
            var buffer = new byte[64 * 1024];
            var closed = false;
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0)
                {
                    received.Write(buffer, 0, read);
                }

                closed = true;
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
                closed = true;
            }

            var events = 0;
            var data = received.GetBuffer().AsSpan(0, (int)received.Length);
            for (int at; (at = data.IndexOf(s_eventLine)) >= 0; data = data[(at + s_eventLine.Length)..])
            {
                events++;
            }

            return (received.Length, events, closed);
        }

        public void Dispose() => socket.Dispose();
    }
}
