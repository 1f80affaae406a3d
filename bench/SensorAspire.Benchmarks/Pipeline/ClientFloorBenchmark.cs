using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using SensorAspire.Benchmarks.Chart;

namespace SensorAspire.Benchmarks;

/// <summary>
/// <c>pipeline floor</c>: what Confluent.Kafka and the broker cost per reading with none of our code around them, the
/// floor under <c>pipeline throughput</c>'s CPU per reading. This process produces readings as the simulator sends
/// them (its producer settings, a sensor id key, a reading's JSON, a 55-byte <c>traceparent</c> header, a delivery
/// report per message), then consumes them as the aggregator reads its input (its consumer settings), and does
/// nothing else with them. CPU is the OS's accounting of this process and of the broker process; once with the
/// header and once without it.
/// </summary>
internal static class ClientFloorBenchmark
{
    private const int Sensors = 10_000;
    private const int Partitions = 8;

    public static async Task<bool> RunAsync(long readings, double rate)
    {
        Console.WriteLine($"floor: Confluent.Kafka {typeof(IProducer<,>).Assembly.GetName().Version} (librdkafka {Library.VersionString}) and the broker alone, {readings:N0} readings of {Sensors:N0} sensors produced at up to {rate:N0}/s, {Environment.ProcessorCount} cores, load average {ChartBenchmark.LoadAverage()}");
        await using var broker = ServiceProcess.StartBroker(out var bootstrap);
        await DeployedPipelineBenchmark.WaitForBrokerAsync(bootstrap);
        var produce = new List<string>();
        var consume = new List<string>();
        foreach (var withHeader in new[] { true, false })
        {
            var topic = $"floor-{(withHeader ? "header" : "plain")}-{Guid.NewGuid():N}";
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            {
                await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
            }

            var label = withHeader ? "with traceparent" : "no header";
            var (cpu, brokerCpu, seconds) = Measure(broker, () => Produce(bootstrap, topic, readings, rate, withHeader));
            produce.Add($"    produce, {label,-16} {cpu / readings * 1e6,8:F2} µs client, {brokerCpu / readings * 1e6,5:F2} µs broker, {readings / seconds,11:N0} readings/s");
            (cpu, brokerCpu, seconds) = Measure(broker, () => Consume(bootstrap, topic, readings));
            consume.Add($"    consume, {label,-16} {cpu / readings * 1e6,8:F2} µs client, {brokerCpu / readings * 1e6,5:F2} µs broker, {readings / seconds,11:N0} readings/s");
        }

        Console.WriteLine("  CPU per reading (CPU-s per million readings):");
        produce.ForEach(Console.WriteLine);
        consume.ForEach(Console.WriteLine);
        Console.WriteLine("  (the simulator's producer settings and the aggregator's consumer settings; nothing done with a reading beyond");
        Console.WriteLine("   producing it with a shared delivery handler, or consuming it and reading its value's length)");
        return true;
    }

    private static (double Cpu, double BrokerCpu, double Seconds) Measure(ServiceProcess broker, Action run)
    {
        var cpu = ProcessCpu.Read(Environment.ProcessId);
        var brokerCpu = broker.CpuTime;
        var clock = Stopwatch.StartNew();
        run();
        return ((ProcessCpu.Read(Environment.ProcessId) - cpu).TotalSeconds, (broker.CpuTime - brokerCpu).TotalSeconds, clock.Elapsed.TotalSeconds);
    }

    private static void Produce(string bootstrap, string topic, long readings, double rate, bool withHeader)
    {
        // As SimulatorServiceCollectionExtensions and the service defaults configure the simulator's producer.
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            DeliveryReportFields = "key,status",
            StatisticsIntervalMs = 1000,
        };
        var ids = Enumerable.Range(0, Sensors).Select(i => $"sensor-{i:D5}").ToArray();
        var value = Encoding.UTF8.GetBytes("{\"sensorId\":\"sensor-00042\",\"timestamp\":\"2026-11-29T21:00:00.123456+00:00\",\"value\":23.417}");
        var traceparent = Encoding.ASCII.GetBytes("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
        long delivered = 0;
        Action<DeliveryReport<string, byte[]>> onDelivered = report =>
        {
            if (report.Error.Code == ErrorCode.NoError)
            {
                Interlocked.Increment(ref delivered);
            }
        };

        using var producer = new ProducerBuilder<string, byte[]>(config).SetStatisticsHandler((_, _) => { }).Build();
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < readings; i++)
        {
            // Paced like the simulator's load mode: ahead of the rate, wait for the next millisecond.
            while (i % 100 == 0 && i > clock.Elapsed.TotalSeconds * rate)
            {
                Thread.Sleep(1);
            }

            var message = new Message<string, byte[]> { Key = ids[i % Sensors], Value = value };
            if (withHeader)
            {
                message.Headers = new Headers { { "traceparent", traceparent } };
            }

            while (true)
            {
                try
                {
                    producer.Produce(topic, message, onDelivered);
                    break;
                }
                catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
                {
                    Thread.Sleep(1);
                }
            }
        }

        producer.Flush(TimeSpan.FromMinutes(2));
        if (Interlocked.Read(ref delivered) != readings)
        {
            throw new InvalidOperationException($"{delivered:N0} of {readings:N0} readings delivered.");
        }
    }

    private static void Consume(string bootstrap, string topic, long readings)
    {
        // As AggregatorServiceCollectionExtensions and the service defaults configure the aggregator's consumer.
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = topic,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            QueuedMaxMessagesKbytes = 2 * 1024,
            FetchMaxBytes = 1024 * 1024,
            FetchQueueBackoffMs = 5,
            ConsumeResultFields = "topic,headers",
            StatisticsIntervalMs = 1000,
        };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).SetStatisticsHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        long consumed = 0;
        long bytes = 0;
        var deadline = Stopwatch.StartNew();
        while (consumed < readings && deadline.Elapsed < TimeSpan.FromMinutes(5))
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result is null)
            {
                continue;
            }

            bytes += result.Message.Value.Length;
            consumed++;
        }

        consumer.Close();
        if (consumed != readings || bytes == 0)
        {
            throw new InvalidOperationException($"{consumed:N0} of {readings:N0} readings consumed.");
        }
    }
}
