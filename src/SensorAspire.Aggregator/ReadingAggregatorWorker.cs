using System.Diagnostics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Options;
using SensorAspire.Aggregator.Kafka;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Aggregator;

/// <summary>
/// The consume loop: creates the topics, subscribes to readings (JSON and the tutorial's format), and feeds batches to
/// <see cref="WindowAggregationEngine"/>. A batch ends when no more input is waiting, after
/// <see cref="AggregatorOptions.MaxBatchSize"/> readings, or after <see cref="AggregatorOptions.MaxBatchDelay"/>.
/// </summary>
/// <remarks>
/// When the cluster changes under it (its topics gone or replaced: a broker that restarted without its data, a new
/// cluster on the same address; <see cref="KafkaTopicWatch"/>), the aggregator heals as a restart would, without one:
/// it drops its state, creates the topics again, rejoins the group and restores whatever the topics still hold.
/// </remarks>
internal sealed partial class ReadingAggregatorWorker(
    IConsumer<string, byte[]> consumer,
    IProducer<string, byte[]> producer,
    KafkaConsumerSettings consumerSettings,
    WindowAggregationEngine engine,
    IOptions<AggregatorOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ReadingAggregatorWorker> logger) : BackgroundService
{
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>True once subscribed and consuming (for the readiness check).</summary>
    public bool IsRunning { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        await EnsureTopicsAsync(o, stoppingToken);
        consumer.Subscribe([o.ReadingsTopic, o.TutorialTopic]);
        Started(o.ReadingsTopic, o.TutorialTopic, o.WindowsTopic, consumerSettings.Config.GroupId ?? "",
            consumerSettings.Config.GroupInstanceId ?? "none (dynamic membership)");
        using var watch = new KafkaTopicWatch(consumer.Handle, Topics(o).Select(t => t.Name));
        IsRunning = true;
        try
        {
            Run(o, watch, stoppingToken);
            engine.Drain(consumer);
            consumer.Close();
            Stopped();
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.FencedInstanceId)
        {
            Fenced(ex, consumerSettings.Config.GroupInstanceId ?? "");
            lifetime.StopApplication();
        }
        catch (Exception ex) when (ex is KafkaException or InvalidOperationException or TimeoutException)
        {
            // Crash-only: leave the uncommitted input to the next instance, which restores and skips what was published.
            Failed(ex);
            lifetime.StopApplication();
        }
        finally
        {
            IsRunning = false;
        }
    }

    private void Run(AggregatorOptions o, KafkaTopicWatch watch, CancellationToken stoppingToken)
    {
        var maxDelay = (long)(o.MaxBatchDelay.TotalSeconds * Stopwatch.Frequency);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (watch.Poll() is { } change)
            {
                Heal(o, watch, change.ToString(), stoppingToken);
            }
            else if (!engine.StoreCompleted(consumer))
            {
                Heal(o, watch, $"window updates or dead letters were refused because their topic is gone ({o.WindowsTopic}, {o.DeadLetterTopic})", stoppingToken);
            }

            if (Consume(s_pollTimeout) is not { } result)
            {
                continue;
            }

            engine.Process(result);
            var deadline = Stopwatch.GetTimestamp() + maxDelay;

            // The clock is read every 64 messages (from the first), not for each: a batch may run 63 messages past
            // MaxBatchDelay, a negligible part of it, and a zero delay still ends the batch after one message.
            for (var n = 1; n < o.MaxBatchSize && engine.ChangedSensors < o.MaxBatchSensors && ((n & 63) != 1 || Stopwatch.GetTimestamp() < deadline); n++)
            {
                if (Consume(TimeSpan.Zero) is not { } next)
                {
                    break;
                }

                engine.Process(next);
            }

            engine.PublishChanges();
        }
    }

    /// <summary>
    /// Heals after the cluster changed: logs what happened once, then does what a restart would do (drop the state,
    /// create the topics, join the group again; the assignment restores what the topics still hold).
    /// </summary>
    private void Heal(AggregatorOptions o, KafkaTopicWatch watch, string what, CancellationToken stoppingToken)
    {
        var windows = engine.Reset(consumer);
        ClusterChanged(what, windows, o.CreateTopics ? "creating the topics again" : "the topics are someone else's to create (Aggregator:CreateTopics is false)",
            consumerSettings.Config.GroupId ?? "");
        EnsureTopicsAsync(o, stoppingToken).GetAwaiter().GetResult();

        // The producer learns the new topics now: until its next metadata refresh (up to a second) it would refuse
        // every update to a topic it saw disappear.
        using (var admin = new DependentAdminClientBuilder(producer.Handle).Build())
        {
            foreach (var topic in new[] { o.WindowsTopic, o.DeadLetterTopic })
            {
                admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
            }
        }

        // Leave and join again: the group may still be the old cluster's generation, and the assignment (with its
        // restore) is what starts consumption of the new topics from their committed offsets or their beginning.
        consumer.Unsubscribe();
        consumer.Subscribe([o.ReadingsTopic, o.TutorialTopic]);
        watch.Rebaseline();
    }

    private async Task EnsureTopicsAsync(AggregatorOptions o, CancellationToken stoppingToken)
    {
        if (o.CreateTopics)
        {
            await KafkaTopics.EnsureCreatedAsync(consumerSettings.Config, Topics(o), logger, stoppingToken);
        }
    }

    private ConsumeResult<string, byte[]>? Consume(TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            // A topic that is gone, or a broker that is down, is the topic watch's to report (once, in words).
            if (ex.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition
                or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown)
            {
                ConsumeFailedQuietly(ex.Error.Reason);
            }
            else
            {
                ConsumeFailed(ex.Error.Reason);
            }

            return null;
        }
    }

    private static List<TopicSpecification> Topics(AggregatorOptions o) =>
    [
        new() { Name = o.ReadingsTopic, NumPartitions = o.Partitions, ReplicationFactor = 1 },
        // The tutorial's producer always sends key "key": one partition keeps its order with nothing lost.
        new() { Name = o.TutorialTopic, NumPartitions = 1, ReplicationFactor = 1 },
        new()
        {
            Name = o.WindowsTopic, NumPartitions = o.Partitions, ReplicationFactor = 1,
            Configs = new() { ["cleanup.policy"] = "compact" },
        },
        new() { Name = o.DeadLetterTopic, NumPartitions = 1, ReplicationFactor = 1 },
    ];

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Aggregating {ReadingsTopic} and {TutorialTopic} into {WindowsTopic} as group {GroupId}, instance {GroupInstanceId}")]
    private partial void Started(string readingsTopic, string tutorialTopic, string windowsTopic, string groupId, string groupInstanceId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Aggregator stopped after publishing and committing")]
    private partial void Stopped();

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Consume failed: {Reason}")]
    private partial void ConsumeFailed(string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Critical, Message = "Aggregator failed; stopping without committing so a restart replays the input")]
    private partial void Failed(Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "{Change}. Starting again from what the topics hold: dropped {Windows} sensor windows, {Topics}, rejoining group {GroupId}")]
    private partial void ClusterChanged(string change, int windows, string topics, string groupId);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Consume failed: {Reason}")]
    private partial void ConsumeFailedQuietly(string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Critical, Message = "Another aggregator joined with group.instance.id {GroupInstanceId} and took this one's place; stopping. Give every replica its own Aspire:Confluent:Kafka:Consumer:Config:GroupInstanceId")]
    private partial void Fenced(Exception exception, string groupInstanceId);
}
