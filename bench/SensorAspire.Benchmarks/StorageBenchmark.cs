using System.Diagnostics;
using Confluent.Kafka;
using SensorAspire.EmbeddedKafka;

namespace SensorAspire.Benchmarks;

/// <summary>
/// `storage`: the broker benchmark's produce and consume of 1,000,000 x 100 B, in memory and then with a data
/// directory (target: on disk >= 50% of in-memory throughput), then 10,000,000 messages into a broker with
/// retention.bytes set, memory only and then with a data directory (target: memory and disk bounded by the
/// retention, not the message count).
/// Usage: storage [messages] [retained messages] (defaults 1,000,000 and 10,000,000; 0 messages skips the throughput part).
/// </summary>
internal static class StorageBenchmark
{
    private const long RetentionBytes = 64L * 1024 * 1024;
    private const int SegmentBytes = 8 * 1024 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 1_000_000;
        var retainedCount = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 10_000_000;
        var root = Directory.CreateTempSubdirectory("embedded-kafka-bench-").FullName;
        try
        {
            if (count > 0)
            {
                // Alternating runs, best of two each: the first run in a process pays for JIT, and the machine is shared.
                double memoryProduce = 0, memoryConsume = 0, diskProduce = 0, diskConsume = 0;
                for (var round = 0; round < 2; round++)
                {
                    var memory = await ThroughputAsync(new EmbeddedKafkaOptions(), count);
                    var disk = await ThroughputAsync(new EmbeddedKafkaOptions { DataDirectory = Path.Combine(root, "throughput" + round) }, count);
                    Console.WriteLine($"  round {round + 1}: in memory {memory.Produce:N0} / {memory.Consume:N0} msg/s, data directory {disk.Produce:N0} / {disk.Consume:N0} msg/s (produce / consume)");
                    (memoryProduce, memoryConsume) = (Math.Max(memoryProduce, memory.Produce), Math.Max(memoryConsume, memory.Consume));
                    (diskProduce, diskConsume) = (Math.Max(diskProduce, disk.Produce), Math.Max(diskConsume, disk.Consume));
                }

                Console.WriteLine($"in memory:      produce {memoryProduce:N0} msg/s, consume {memoryConsume:N0} msg/s");
                Console.WriteLine($"data directory: produce {diskProduce:N0} msg/s ({diskProduce / memoryProduce:P0} of in memory), consume {diskConsume:N0} msg/s ({diskConsume / memoryConsume:P0})   (target >= 50%)");
                Console.WriteLine($"  load average {BrokerBenchmark.LoadAverage()}");
            }

            // Memory only (retention bounds the heap), then with a data directory (retention bounds the disk, and only
            // the active segment stays in memory).
            await RetainedAsync(null, retainedCount);
            await RetainedAsync(Path.Combine(root, "retention"), retainedCount);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<(double Produce, double Consume)> ThroughputAsync(EmbeddedKafkaOptions options, int count)
    {
        await using var broker = await EmbeddedKafkaBroker.StartAsync(options);
        var produced = BrokerBenchmark.Produce(broker, "throughput", count);
        var consumed = BrokerBenchmark.Consume(broker, "throughput", count);
        return (produced, consumed);
    }

    /// <summary>Produces <paramref name="count"/> messages with retention.bytes 64 MiB, then reports heap, working set and disk use.</summary>
    private static async Task RetainedAsync(string? dataDirectory, int count)
    {
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var options = new EmbeddedKafkaOptions { DataDirectory = dataDirectory, RetentionBytes = RetentionBytes, SegmentBytes = SegmentBytes };
        await using var broker = await EmbeddedKafkaBroker.StartAsync(options);
        var config = new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            LingerMs = 5,
            QueueBufferingMaxMessages = 1_000_000,
            BatchSize = 1_000_000,
        };
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        var message = new Message<Null, byte[]> { Value = new byte[100] };
        var started = Stopwatch.GetTimestamp();
        var peakLive = 0L;
        for (var i = 0; i < count; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce("retained", message);
                    break;
                }
                catch (ProduceException<Null, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    // The client's queue is full: let deliveries drain, then retry this message.
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }

            if (i % 1_000_000 == 999_999)
            {
                // Before and after a full collection: dropped segments are large-object garbage until a gen-2 GC runs.
                var withGarbage = GC.GetTotalMemory(forceFullCollection: false);
                var live = GC.GetTotalMemory(forceFullCollection: true);
                peakLive = Math.Max(peakLive, live);
                Console.WriteLine($"  {i + 1:N0} produced: managed heap {withGarbage / (1024 * 1024):N0} MiB, live after a full GC {live / (1024 * 1024):N0} MiB");
            }
        }

        if (producer.Flush(TimeSpan.FromMinutes(5)) != 0)
        {
            throw new InvalidOperationException("Producer did not deliver every message.");
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        var disk = dataDirectory is null ? 0 : new DirectoryInfo(dataDirectory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(file => file.Length);
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"{count:N0} x 100 B with retention.bytes {RetentionBytes / (1024 * 1024)} MiB, segment.bytes {SegmentBytes / (1024 * 1024)} MiB, {(dataDirectory is null ? "memory only" : "data directory")}: {count / elapsed:N0} msg/s");
        Console.WriteLine($"  after: managed heap {heap / (1024 * 1024):N0} MiB ({baseline / (1024 * 1024):N0} MiB before the run; largest live sample {peakLive / (1024 * 1024):N0} MiB), working set {process.WorkingSet64 / (1024 * 1024):N0} MiB, on disk {disk / (1024 * 1024):N0} MiB");
        Console.WriteLine($"  (target: bounded by the retention, {RetentionBytes / (1024 * 1024)} MiB + one {SegmentBytes / (1024 * 1024)} MiB segment, not by the ~{count * 110L / (1024 * 1024):N0} MiB produced)");
    }
}
