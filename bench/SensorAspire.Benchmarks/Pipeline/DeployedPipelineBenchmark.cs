using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using SensorAspire.Benchmarks.Chart;

namespace SensorAspire.Benchmarks;

/// <summary>
/// <c>pipeline throughput</c>: the services as they are deployed, each its own Release process (the broker, the
/// simulator in load mode with 10,000 sensors, the aggregator, the chart with one SSE client), with production
/// telemetry exported over OTLP to a local collector. Reports readings/s, the aggregator's lag and, from the OS's
/// accounting of each process, the CPU spent per million readings. Then the aggregator alone draining a backlog.
/// </summary>
internal static class DeployedPipelineBenchmark
{
    private const int Sensors = 10_000;
    private const int Partitions = 8;
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(250);

    /// <summary>Runs the deployed pipeline at <paramref name="rate"/> readings/s for <paramref name="seconds"/> seconds of sending.</summary>
    public static async Task<bool> ThroughputAsync(double rate, int seconds)
    {
        var total = (long)(rate * seconds);
        await using var sink = await OtlpSink.StartAsync();
        var telemetry = Telemetry(sink.Endpoint);
        Console.WriteLine($"throughput (deployed): broker, simulator, aggregator and chart each a Release process; {Environment.ProcessorCount} cores, load average {ChartBenchmark.LoadAverage()}");
        Console.WriteLine($"  telemetry: {string.Join(", ", telemetry.Select(t => $"{t.Key}={t.Value}"))}; metrics on (SDK default export interval unless OTEL_METRIC_EXPORT_INTERVAL is set)");
        Console.WriteLine($"  simulator: load mode, {Sensors:N0} sensors, {rate:N0} readings/s, {total:N0} readings");

        await using var broker = ServiceProcess.StartBroker(out var bootstrap);
        await WaitForBrokerAsync(bootstrap);
        var names = new PipelineBenchmark.Names();
        await using var aggregator = ServiceProcess.StartService("SensorAspire.Aggregator", bootstrap, AggregatorSettings(names, telemetry));
        await using var chart = ServiceProcess.StartChart(bootstrap, names.Windows, telemetry);
        using var progress = new PipelineProgress(bootstrap, names.Readings, names.Windows, names.Group, Partitions);
        await WaitForGroupAsync(bootstrap, names.Group, TimeSpan.FromSeconds(60));

        // One browser-like client on the chart's live stream.
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = chart.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        await WaitForHttpAsync(http, "alive", TimeSpan.FromSeconds(60));
        using var stopClient = new CancellationTokenSource();
        var client = new SseBenchClient(http, SseBenchClient.PublishedAt) { Recording = true };
        var clientRun = client.RunAsync(1, stopClient.Token);

        await using var simulator = ServiceProcess.StartService("SensorAspire.Simulator", bootstrap, new Dictionary<string, string>(telemetry)
        {
            ["Simulator__Topic"] = names.Readings,
            ["Simulator__SensorCount"] = Sensors.ToString(CultureInfo.InvariantCulture),
            ["Simulator__TargetRate"] = rate.ToString(CultureInfo.InvariantCulture),
            ["Simulator__MaxReadings"] = total.ToString(CultureInfo.InvariantCulture),
        });
        var processes = new (string Name, ServiceProcess Process)[] { ("simulator", simulator), ("broker", broker), ("aggregator", aggregator), ("chart", chart) };

        var clock = Stopwatch.StartNew();
        Snapshot? start = null, sendEnd = null, end = null;
        var lastPrint = TimeSpan.Zero;
        long lastApplied = 0;
        using var timer = new PeriodicTimer(s_tick);
        while (await timer.WaitForNextTickAsync() && clock.Elapsed < TimeSpan.FromSeconds(Math.Max(120, seconds * 10)))
        {
            var now = Snapshot.Take(clock.Elapsed, progress, processes);
            if (now.Elapsed - lastPrint >= TimeSpan.FromSeconds(1))
            {
                Console.WriteLine($"  t={now.Elapsed.TotalSeconds,5:F1}s sent={now.Produced,11:N0} applied={now.Applied,11:N0} (+{now.Applied - lastApplied:N0}) lag={now.Produced - now.Applied:N0}");
                lastPrint = now.Elapsed;
                lastApplied = now.Applied;
            }

            // Steady state starts 3 s in, once the aggregator has committed something (it has joined and is consuming).
            if (start is null && now.Elapsed >= TimeSpan.FromSeconds(3) && now.Applied > 0)
            {
                start = now;
            }

            if (sendEnd is null && now.Produced >= total)
            {
                sendEnd = now;
            }

            if (start is not null && now.Applied >= total)
            {
                end = now;
                break;
            }
        }

        end ??= Snapshot.Take(clock.Elapsed, progress, processes);
        sendEnd ??= end;
        start ??= end;
        var published = progress.Published();
        await stopClient.CancelAsync();
        await clientRun;

        var sending = (sendEnd.Elapsed - start.Elapsed).TotalSeconds;
        var sustained = sending > 0 ? (sendEnd.Applied - start.Applied) / sending : 0;
        var sentRate = sending > 0 ? (sendEnd.Produced - start.Produced) / sending : 0;
        var lag = sendEnd.Produced - sendEnd.Applied;
        var drained = end.Applied >= total;
        Console.WriteLine($"  sustained {sustained:N0} readings/s applied while the simulator sent {sentRate:N0}/s (t={start.Elapsed.TotalSeconds:F1}-{sendEnd.Elapsed.TotalSeconds:F1} s; target >= 300,000/s)");
        Console.WriteLine($"  aggregator lag when the simulator finished: {lag:N0} readings ({lag / Math.Max(1, sustained):F1} s of input); "
            + (drained ? $"drained {(end.Elapsed - sendEnd.Elapsed).TotalSeconds:F1} s later" : "NOT drained before the time limit"));
        Console.WriteLine($"  {published:N0} window updates for {end.Applied:N0} readings (coalescing x{(double)end.Applied / Math.Max(1, published):F2}); SSE client: {client.Events:N0} events, publishedAt -> received {client.Lag.Summary()}");
        Console.WriteLine($"  collector: {sink.Requests:N0} OTLP export requests, {sink.Bytes / 1024.0:N0} KB");

        var readings = end.Applied - start.Applied;
        var elapsed = (end.Elapsed - start.Elapsed).TotalSeconds;
        Console.WriteLine($"  CPU per million readings, t={start.Elapsed.TotalSeconds:F1}-{end.Elapsed.TotalSeconds:F1} s ({readings:N0} readings; load average {ChartBenchmark.LoadAverage()}):");
        Console.WriteLine($"    {"process",-11} {"CPU-s per M readings (= µs/reading)",36} {"cores busy",11}");
        var sum = 0.0;
        for (var i = 0; i < processes.Length; i++)
        {
            var cpu = (end.Cpu[i] - start.Cpu[i]).TotalSeconds;
            sum += cpu;
            Console.WriteLine($"    {processes[i].Name,-11} {cpu / readings * 1e6,36:F2} {cpu / elapsed,11:F2}");
        }

        Console.WriteLine($"    {"total",-11} {sum / readings * 1e6,36:F2} {sum / elapsed,11:F2}   (target <= 6 µs/reading)");
        return drained && readings > 0;
    }

    /// <summary>The aggregator process alone reading a backlog of <paramref name="backlog"/> readings written before it starts.</summary>
    public static async Task<bool> BacklogAsync(long backlog)
    {
        await using var sink = await OtlpSink.StartAsync();
        var telemetry = Telemetry(sink.Endpoint);
        Console.WriteLine($"backlog: the aggregator process alone drains {backlog:N0} readings of {Sensors:N0} sensors (load average {ChartBenchmark.LoadAverage()})");
        await using var broker = ServiceProcess.StartBroker(out var bootstrap);
        await WaitForBrokerAsync(bootstrap);
        var names = new PipelineBenchmark.Names();
        using var progress = new PipelineProgress(bootstrap, names.Readings, names.Windows, names.Group, Partitions);

        // The aggregator owns its input topic; without it running, the topic is created here as it would create it.
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = names.Readings, NumPartitions = Partitions, ReplicationFactor = 1 }]);
        }

        // The backlog, written by the simulator process as fast as it can (its cost alone is reported too).
        var clock = Stopwatch.StartNew();
        await using (var simulator = ServiceProcess.StartService("SensorAspire.Simulator", bootstrap, new Dictionary<string, string>(telemetry)
        {
            ["Simulator__Topic"] = names.Readings,
            ["Simulator__SensorCount"] = Sensors.ToString(CultureInfo.InvariantCulture),
            ["Simulator__TargetRate"] = "10000000",
            ["Simulator__MaxReadings"] = backlog.ToString(CultureInfo.InvariantCulture),
        }))
        {
            (TimeSpan Elapsed, long Produced, TimeSpan Cpu)? first = null;
            long produced;
            while ((produced = progress.Produced()) < backlog)
            {
                if (first is null && produced > 0)
                {
                    first = (clock.Elapsed, produced, simulator.CpuTime);
                }

                await Task.Delay(s_tick);
            }

            if (first is { } f)
            {
                var sent = backlog - f.Produced;
                var cpu = (simulator.CpuTime - f.Cpu).TotalSeconds;
                Console.WriteLine($"  simulator alone (with the broker): {sent / (clock.Elapsed - f.Elapsed).TotalSeconds:N0} readings/s, {cpu / sent * 1e6:F2} µs CPU per reading; broker process total CPU so far {broker.CpuTime.TotalSeconds:F1} s");
            }
        }

        await using var aggregator = ServiceProcess.StartService("SensorAspire.Aggregator", bootstrap, AggregatorSettings(names, telemetry));
        clock.Restart();
        (TimeSpan Elapsed, long Applied, TimeSpan Cpu)? begin = null;
        long applied;
        while ((applied = progress.Committed()) < backlog && clock.Elapsed < TimeSpan.FromMinutes(5))
        {
            if (begin is null && applied > 0)
            {
                begin = (clock.Elapsed, applied, aggregator.CpuTime);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        var stopCpu = aggregator.CpuTime;
        if (begin is not { } b || applied < backlog)
        {
            Console.WriteLine($"  NOT drained: {applied:N0} of {backlog:N0} readings committed in {clock.Elapsed.TotalSeconds:F0} s");
            return false;
        }

        var drainedReadings = backlog - b.Applied;
        var seconds = (clock.Elapsed - b.Elapsed).TotalSeconds;
        var perReading = (stopCpu - b.Cpu).TotalSeconds / drainedReadings * 1e6;
        Console.WriteLine($"  aggregator alone: {drainedReadings / seconds:N0} readings/s, {perReading:F2} µs CPU per reading ({drainedReadings:N0} readings after its first commit, {seconds:F1} s; {progress.Published():N0} window updates; targets >= 800,000/s, <= 1.2 µs)");
        Console.WriteLine($"  (load average {ChartBenchmark.LoadAverage()})");
        return true;
    }

    /// <summary>Telemetry as in production: traces head-sampled (parent-based ratio), metrics on, OTLP/gRPC export.</summary>
    private static Dictionary<string, string> Telemetry(string endpoint) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
        ["OTEL_TRACES_SAMPLER"] = Environment.GetEnvironmentVariable("OTEL_TRACES_SAMPLER") ?? "parentbased_traceidratio",
        ["OTEL_TRACES_SAMPLER_ARG"] = Environment.GetEnvironmentVariable("OTEL_TRACES_SAMPLER_ARG") ?? "0.01",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = Environment.GetEnvironmentVariable("OTEL_METRIC_EXPORT_INTERVAL") ?? "60000",
    };

    private static Dictionary<string, string> AggregatorSettings(PipelineBenchmark.Names names, Dictionary<string, string> telemetry) => new(telemetry)
    {
        ["Aspire__Confluent__Kafka__Consumer__Config__GroupId"] = names.Group,

        // Commits every 200 ms instead of librdkafka's 5 s, so that progress (committed offsets) is seen promptly.
        ["Aspire__Confluent__Kafka__Consumer__Config__AutoCommitIntervalMs"] = "200",
        ["Aggregator__ReadingsTopic"] = names.Readings,
        ["Aggregator__TutorialTopic"] = names.Tutorial,
        ["Aggregator__WindowsTopic"] = names.Windows,
        ["Aggregator__DeadLetterTopic"] = names.DeadLetter,
    };

    internal static async Task WaitForBrokerAsync(string bootstrap)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).SetLogHandler((_, _) => { }).Build();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                admin.GetMetadata(TimeSpan.FromSeconds(1));
                return;
            }
            catch (KafkaException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Waits until the aggregator's consumer group is stable with a member (it holds the input partitions).</summary>
    private static async Task WaitForGroupAsync(string bootstrap, string group, TimeSpan timeout)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).SetLogHandler((_, _) => { }).Build();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                var description = await admin.DescribeConsumerGroupsAsync([group]);
                if (description.ConsumerGroupDescriptions is [{ State: ConsumerGroupState.Stable, Members.Count: > 0 }])
                {
                    return;
                }
            }
            catch (KafkaException)
            {
                // Not known yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The aggregator's group {group} did not become stable within {timeout}.");
    }

    private static async Task WaitForHttpAsync(HttpClient http, string path, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            try
            {
                using var response = await http.GetAsync(path);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{http.BaseAddress}{path} did not answer within {timeout}.");
    }

    /// <summary>Progress and every process's CPU time at one moment.</summary>
    private sealed record Snapshot(TimeSpan Elapsed, long Produced, long Applied, TimeSpan[] Cpu)
    {
        public static Snapshot Take(TimeSpan elapsed, PipelineProgress progress, (string Name, ServiceProcess Process)[] processes)
        {
            var cpu = processes.Select(p => p.Process.CpuTime).ToArray();
            return new Snapshot(elapsed, progress.Produced(), progress.Committed(), cpu);
        }
    }
}
