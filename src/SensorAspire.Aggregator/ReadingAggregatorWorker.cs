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
internal sealed partial class ReadingAggregatorWorker(
    IConsumer<string, byte[]> consumer,
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
        if (o.CreateTopics)
        {
            await KafkaTopics.EnsureCreatedAsync(consumerSettings.Config, Topics(o), logger, stoppingToken);
        }

        consumer.Subscribe([o.ReadingsTopic, o.TutorialTopic]);
        Started(o.ReadingsTopic, o.TutorialTopic, o.WindowsTopic, consumerSettings.Config.GroupId ?? "");
        IsRunning = true;
        try
        {
            Run(o, stoppingToken);
            engine.Drain(consumer);
            consumer.Close();
            Stopped();
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

    private void Run(AggregatorOptions o, CancellationToken stoppingToken)
    {
        var maxDelay = (long)(o.MaxBatchDelay.TotalSeconds * Stopwatch.Frequency);
        while (!stoppingToken.IsCancellationRequested)
        {
            engine.StoreCompleted(consumer);
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

    private ConsumeResult<string, byte[]>? Consume(TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            ConsumeFailed(ex.Error.Reason);
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

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Aggregating {ReadingsTopic} and {TutorialTopic} into {WindowsTopic} as group {GroupId}")]
    private partial void Started(string readingsTopic, string tutorialTopic, string windowsTopic, string groupId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Aggregator stopped after publishing and committing")]
    private partial void Stopped();

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Consume failed: {Reason}")]
    private partial void ConsumeFailed(string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Critical, Message = "Aggregator failed; stopping without committing so a restart replays the input")]
    private partial void Failed(Exception exception);
}
