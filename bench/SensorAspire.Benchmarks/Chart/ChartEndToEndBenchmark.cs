using System.Text.Json;
using Confluent.Kafka;
using SensorAspire.Contracts;
using SensorAspire.EmbeddedKafka;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>
/// <c>chart e2e</c>: readings produced at a fixed rate (default 1,000/s over 50 sensors) go through the aggregator
/// (its own process) to the chart (its own process); SSE clients record, for every window event, the time from the
/// newest reading's timestamp (set just before producing it) to the event arriving. Windows coalesce readings, so
/// the lag is that of the newest reading in each delivered window.
/// </summary>
/// <remarks>Options: <c>--readings N</c> per second, <c>--sensors N</c>, <c>--e2e-clients N</c>, <c>--seconds N</c>.</remarks>
internal static class ChartEndToEndBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rate = ChartBenchmark.Option(args, "--readings", 1000);
        var sensorCount = ChartBenchmark.Option(args, "--sensors", 50);
        var clients = ChartBenchmark.Option(args, "--e2e-clients", 10);
        var seconds = ChartBenchmark.Option(args, "--seconds", 15);
        var sensors = Enumerable.Range(1, sensorCount).Select(i => $"sensor-{i:D3}").ToArray();
        Console.WriteLine($"chart end to end: {rate} readings/s over {sensorCount} sensors -> aggregator -> chart -> {clients} SSE clients, {seconds} s");

        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions { DefaultPartitions = 3 });
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var readingsTopic = $"bench-readings-{suffix}";
        var windowsTopic = $"bench-windows-{suffix}";
        await using var aggregator = ServiceProcess.StartService("SensorAspire.Aggregator", broker.BootstrapServers, new Dictionary<string, string>
        {
            ["Aggregator__ReadingsTopic"] = readingsTopic,
            ["Aggregator__WindowsTopic"] = windowsTopic,
            ["Aggregator__DeadLetterTopic"] = $"bench-dlq-{suffix}",
            ["Aggregator__TutorialTopic"] = $"bench-tutorial-{suffix}",
        });
        await using var chart = ServiceProcess.StartChart(broker.BootstrapServers, windowsTopic);
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            LingerMs = 1,
        }).Build();
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = chart.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };

        // Warm up until every sensor has a window on the chart (proves the whole path works).
        using var warm = new CancellationTokenSource();
        var warming = ProduceAtRateAsync(producer, readingsTopic, sensors, rate, warm.Token);
        var ready = await ChartBenchmark.WaitForWindowsAsync(http, sensors.Length, TimeSpan.FromSeconds(60));
        await warm.CancelAsync();
        await warming;
        if (!ready)
        {
            Console.WriteLine("  NOT MEASURED: no windows reached the chart within 60 s (is the aggregator built and working?)");
            return 1;
        }

        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, clients).Select(_ => new SseBenchClient(http, SseBenchClient.NewestReading)).ToArray();
        var running = readers.Select(r => r.RunAsync(sensors.Length, stop.Token)).ToArray();
        await Task.WhenAll(readers.Select(r => r.SnapshotReceived)).WaitAsync(TimeSpan.FromSeconds(30));

        using var produceStop = new CancellationTokenSource();
        var producing = ProduceAtRateAsync(producer, readingsTopic, sensors, rate, produceStop.Token);
        await Task.Delay(TimeSpan.FromSeconds(3)); // settle; not a synchronisation
        foreach (var reader in readers)
        {
            reader.Recording = true;
        }

        await Task.Delay(TimeSpan.FromSeconds(seconds)); // the measuring period itself
        foreach (var reader in readers)
        {
            reader.Recording = false;
        }

        var produced = await StopAsync(produceStop, producing);
        await stop.CancelAsync();
        await Task.WhenAll(running);

        var lag = LatencySamples.Merge(readers.Select(r => r.Lag));
        Console.WriteLine($"  readings produced: {produced} in {seconds + 3} s");
        Console.WriteLine($"  reading produced -> SSE event received: {lag.Summary()} (load average {ChartBenchmark.LoadAverage()})");
        var p99 = lag.Percentile(99);
        Console.WriteLine($"  target: p99 <= 250 ms -> {(p99 <= 250 ? "met" : "NOT met")} ({p99:F1} ms)");
        Console.WriteLine($"  working set at the end: aggregator {aggregator.SampleWorkingSet() / (1024 * 1024)} MB, chart {chart.SampleWorkingSet() / (1024 * 1024)} MB");
        return 0;
    }

    private static async Task<long> StopAsync(CancellationTokenSource stop, Task<long> producing)
    {
        await stop.CancelAsync();
        return await producing;
    }

    private static async Task<long> ProduceAtRateAsync(
        IProducer<string, byte[]> producer, string topic, string[] sensors, int rate, CancellationToken cancellationToken)
    {
        // Ticks of 10 ms, each producing the readings due by then, so the rate holds even if a tick is late.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        var started = DateTime.UtcNow;
        long produced = 0;
        var random = new Random(42);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var due = (long)((DateTime.UtcNow - started).TotalSeconds * rate);
                for (; produced < due; produced++)
                {
                    var sensorId = sensors[produced % sensors.Length];
                    var reading = new SensorReading(sensorId, DateTimeOffset.UtcNow, Math.Round(20 + (random.NextDouble() * 19), 2));
                    producer.Produce(topic, new Message<string, byte[]>
                    {
                        Key = sensorId,
                        Value = JsonSerializer.SerializeToUtf8Bytes(reading, ContractsJsonContext.Default.SensorReading),
                    });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        return produced;
    }
}
