using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using SensorAspire.EmbeddedKafka;

namespace SensorAspire.Benchmarks;

/// <summary>
/// `groups`: the consumer-group coordinator. How long a Confluent.Kafka consumer takes from Subscribe to its first
/// assignment (no initial rebalance delay; Kafka's default adds 3 s), how long a second member's join takes to
/// rebalance the group (dominated by the client's heartbeat.interval.ms), and synchronous commit round trips. Issue 2
/// sets no targets for these; they are for reference.
/// </summary>
internal static class GroupBenchmark
{
    private const int Partitions = 6;

    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 && int.TryParse(args[0], out var n) ? n : 20;
        await using var broker = await EmbeddedKafkaBroker.StartAsync(new EmbeddedKafkaOptions());
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "groups", NumPartitions = Partitions, ReplicationFactor = 1 }]);
        }

        var joins = Enumerable.Range(0, rounds).Select(i => FirstAssignment(broker, $"join-{i}")).ToList();
        Console.WriteLine($"join: Subscribe to first assignment, {Partitions} partitions: first {joins[0]:F1} ms (includes JIT), then median {Median(joins.Skip(1)):F1} ms, max {joins.Skip(1).Max():F1} ms");

        foreach (var heartbeatMs in new[] { 3000, 250 })
        {
            var rebalances = Enumerable.Range(0, Math.Max(3, rounds / 4)).Select(i => SecondMemberRebalance(broker, $"rebalance-{heartbeatMs}-{i}", heartbeatMs)).ToList();
            Console.WriteLine($"rebalance: second member joins until both are assigned, heartbeat.interval.ms {heartbeatMs}: median {Median(rebalances):F0} ms, max {rebalances.Max():F0} ms");
        }

        var commitsPerSecond = SyncCommits(broker, "commits", count: 5_000);
        Console.WriteLine($"commit: synchronous Commit() round trips: {commitsPerSecond:N0} commits/s");
        return 0;
    }

    private static ConsumerConfig Config(EmbeddedKafkaBroker broker, string groupId, int heartbeatMs = 3000) => new()
    {
        BootstrapServers = broker.BootstrapServers,
        GroupId = groupId,
        EnableAutoCommit = false,
        HeartbeatIntervalMs = heartbeatMs,
        SessionTimeoutMs = Math.Max(6000, heartbeatMs * 3),
    };

    private static double FirstAssignment(EmbeddedKafkaBroker broker, string groupId)
    {
        var assigned = false;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, groupId))
            .SetPartitionsAssignedHandler((_, _) => assigned = true)
            .Build();
        var started = Stopwatch.GetTimestamp();
        consumer.Subscribe("groups");
        while (!assigned)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(1));
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        consumer.Close();
        return elapsed;
    }

    /// <summary>A Stable one-member group; a second member subscribes; time until each holds half the partitions.</summary>
    private static double SecondMemberRebalance(EmbeddedKafkaBroker broker, string groupId, int heartbeatMs)
    {
        var counts = new int[2];
        var consumers = Enumerable.Range(0, 2)
            .Select(i => new ConsumerBuilder<Ignore, Ignore>(Config(broker, groupId, heartbeatMs))
                .SetPartitionsAssignedHandler((_, partitions) => Volatile.Write(ref counts[i], partitions.Count))
                .SetPartitionsRevokedHandler((_, _) => Volatile.Write(ref counts[i], 0))
                .Build())
            .ToList();
        consumers[0].Subscribe("groups");
        while (Volatile.Read(ref counts[0]) != Partitions)
        {
            consumers[0].Consume(TimeSpan.FromMilliseconds(1));
        }

        // Each consumer must be polled on its own thread for its callbacks to run.
        var started = Stopwatch.GetTimestamp();
        consumers[1].Subscribe("groups");
        var balanced = () => Volatile.Read(ref counts[0]) == Partitions / 2 && Volatile.Read(ref counts[1]) == Partitions / 2;
        var pollers = consumers.Select(consumer => Task.Factory.StartNew(
            () =>
            {
                while (!balanced())
                {
                    consumer.Consume(TimeSpan.FromMilliseconds(1));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        Task.WaitAll(pollers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        Parallel.ForEach(consumers, consumer =>
        {
            consumer.Close();
            consumer.Dispose();
        });
        return elapsed;
    }

    private static double SyncCommits(EmbeddedKafkaBroker broker, string groupId, int count)
    {
        var assigned = false;
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(Config(broker, groupId))
            .SetPartitionsAssignedHandler((_, _) => assigned = true)
            .Build();
        consumer.Subscribe("groups");
        while (!assigned)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(1));
        }

        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            consumer.Commit([new TopicPartitionOffset("groups", i % Partitions, i)]);
        }

        var perSecond = count / Stopwatch.GetElapsedTime(started).TotalSeconds;
        consumer.Close();
        return perSecond;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
