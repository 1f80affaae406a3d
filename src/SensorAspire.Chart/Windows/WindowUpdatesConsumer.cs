using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using SensorAspire.Chart.Streaming;
using SensorAspire.Contracts;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Chart.Windows;

/// <summary>
/// Reads the aggregator's compacted window topic from the beginning of every partition into <see cref="LiveWindowHub"/>.
/// </summary>
/// <remarks>
/// The partitions are assigned by hand, without joining a consumer group: every chart replica must see every sensor,
/// and nothing is committed because a restart rebuilds the state from the compacted topic (the latest window per
/// sensor). Reading needs only the data-plane APIs (Metadata, ListOffsets, Fetch). Confluent.Kafka still requires a
/// group id, so librdkafka looks up that group's coordinator in the background, but never joins or commits.
/// When the topic is gone or was created again (a broker that restarted without its data, a new cluster;
/// <see cref="KafkaTopicWatch"/>), the consumer lets its partitions go and reads the topic again from the beginning
/// once the aggregator has created it: librdkafka alone would keep fetching at the old topic's offsets.
/// </remarks>
internal sealed partial class WindowUpdatesConsumer(
    IConsumer<string?, byte[]?> consumer,
    KafkaConsumerSettings consumerSettings,
    LiveWindowHub hub,
    WindowConsumerStatus status,
    ChartMetrics metrics,
    IOptions<ChartOptions> options,
    ILogger<WindowUpdatesConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan s_pollTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan s_metadataTimeout = TimeSpan.FromSeconds(5);
    // Until the aggregator creates the windows topic: one metadata request per look, and the wait is start-up time.
    private static readonly TimeSpan s_topicMissingRetry = TimeSpan.FromMilliseconds(100);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Since .NET 10 the whole of ExecuteAsync runs on the thread pool, so the blocking loop does not hold up startup.
        var topic = options.Value.WindowsTopic;
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        using var watch = new KafkaTopicWatch(consumer.Handle, [topic]);
        HashSet<int> assigned = [];
        var nextPartitionCheck = DateTime.UtcNow;
        LogStarting(topic);

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (watch.Poll() is { } change)
                {
                    LogTopicChanged(change.ToString(), topic);
                    consumer.IncrementalUnassign(assigned.Select(p => new TopicPartition(topic, p)));
                    assigned.Clear();
                    status.PartitionsAssigned(0);
                    nextPartitionCheck = DateTime.UtcNow;
                }

                if (DateTime.UtcNow >= nextPartitionCheck)
                {
                    AssignNewPartitions(consumer, admin, topic, assigned);
                    nextPartitionCheck = DateTime.UtcNow
                        + (assigned.Count == 0 ? s_topicMissingRetry : options.Value.PartitionRefreshInterval);
                }

                if (assigned.Count == 0)
                {
                    stoppingToken.WaitHandle.WaitOne(s_topicMissingRetry);
                    continue;
                }

                ConsumeResult<string?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(s_pollTimeout);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    // A topic that is gone, or a broker that is down, is the topic watch's to report (once, in words).
                    if (ex.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition
                        or ErrorCode.Local_Transport or ErrorCode.Local_AllBrokersDown)
                    {
                        LogConsumeFailedQuietly(ex.Error.Reason);
                    }
                    else
                    {
                        LogConsumeFailed(ex, ex.Error.Code);
                    }

                    continue;
                }

                if (result?.Message is { } message)
                {
                    Handle(result, message);
                }
            }
        }
        catch (KafkaException ex) when (ex.Error.IsFatal)
        {
            LogFatal(ex, ex.Error.Code);
            throw;
        }
        finally
        {
            // Nothing to commit (no group); Close leaves cleanly and frees librdkafka's fetch buffers.
            consumer.Close();
        }

        return Task.CompletedTask;
    }

    private void AssignNewPartitions(IConsumer<string?, byte[]?> consumer, IAdminClient admin, string topic, HashSet<int> assigned)
    {
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(topic, s_metadataTimeout);
        }
        catch (KafkaException ex)
        {
            LogMetadataFailed(ex, topic);
            return;
        }

        var found = metadata.Topics.FirstOrDefault(t => t.Topic == topic);
        if (found is null || found.Error.IsError || found.Partitions.Count == 0)
        {
            return;
        }

        var added = found.Partitions.Select(p => p.PartitionId).Where(assigned.Add).Order().ToList();
        if (added.Count == 0)
        {
            return;
        }

        // From the beginning: the compacted topic holds the latest window of every sensor, so the page fills at start.
        consumer.IncrementalAssign(added.Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        status.PartitionsAssigned(assigned.Count);
        LogPartitionsAssigned(topic, string.Join(',', added), assigned.Count);
    }

    private void Handle(ConsumeResult<string?, byte[]?> result, Message<string?, byte[]?> message)
    {
        // Continues the trace of the reading the aggregator applied last (the context is in the message headers).
        using var activity = KafkaTelemetry.StartProcess(ChartTelemetry.ActivitySource, result, consumerGroup: null, consumerSettings.DisableTracing);
        status.MessageRead();
        metrics.WindowUpdateRead();

        if (message.Value is null)
        {
            if (message.Key is not null)
            {
                hub.Remove(message.Key);
            }

            return;
        }

        if (message.Key is { } sensorId && hub.Ignores(sensorId))
        {
            return;
        }

        if (!WindowUpdated.TryRead(message.Key, message.Value, out var window, out var failure))
        {
            activity?.SetTag("error.type", failure.Reason);
            activity?.SetStatus(ActivityStatusCode.Error, failure.Detail);
            LogUnreadableWindow(result.Partition.Value, result.Offset.Value, failure.Reason, failure.Detail);
            return;
        }

        LogWindowRead(window.SensorId, result.Partition.Value, result.Offset.Value);
        // A sampled update carries this span's context to the page, whose draw span continues the reading's trace.
        hub.Apply(activity is { Recorded: true, IdFormat: ActivityIdFormat.W3C, Id: { } traceparent }
            ? WindowFrame.Traced(window, message.Value, traceparent)
            : new WindowFrame(window, message.Value));
    }

    /// <summary>
    /// Settings for <c>AddKafkaConsumer("kafka", ...)</c>: assign-only, nothing committed, no topic auto-creation.
    /// </summary>
    public static void ConfigureAssignOnly(KafkaConsumerSettings settings)
    {
        // Confluent.Kafka's consumer cannot be built without a group id (it routes polling through librdkafka's group
        // queue), but with Assign and no commits the group is never joined and no offsets are stored.
        settings.Config.GroupId ??= "sensoraspire-chart-assign-only";
        settings.Config.EnableAutoCommit = false;
        settings.Config.EnableAutoOffsetStore = false;
        // The aggregator creates the compacted topic; the chart must not create it with default settings.
        settings.Config.AllowAutoCreateTopics = false;
        // Live chart: hand over fetched data quickly rather than waiting for bigger batches.
        settings.Config.FetchWaitMaxMs ??= 100;
    }

    [LoggerMessage(10, LogLevel.Information, "Reading window updates from {Topic}, every partition from the beginning")]
    private partial void LogStarting(string topic);

    [LoggerMessage(11, LogLevel.Information, "Assigned partitions {Partitions} of {Topic}; reading {PartitionCount} partition(s)")]
    private partial void LogPartitionsAssigned(string topic, string partitions, int partitionCount);

    [LoggerMessage(12, LogLevel.Debug, "Could not read metadata of {Topic}; retrying")]
    private partial void LogMetadataFailed(Exception exception, string topic);

    [LoggerMessage(13, LogLevel.Warning, "Consume failed ({ErrorCode}); continuing")]
    private partial void LogConsumeFailed(Exception exception, ErrorCode errorCode);

    [LoggerMessage(14, LogLevel.Critical, "Fatal Kafka error {ErrorCode}; the window consumer stops")]
    private partial void LogFatal(Exception exception, ErrorCode errorCode);

    [LoggerMessage(15, LogLevel.Warning, "Skipping an unreadable window update at partition {Partition} offset {Offset}: {Reason} ({Detail})")]
    private partial void LogUnreadableWindow(int partition, long offset, string reason, string detail);

    [LoggerMessage(17, LogLevel.Trace, "Window of {SensorId} read at partition {Partition} offset {Offset}")]
    private partial void LogWindowRead(string sensorId, int partition, long offset);

    [LoggerMessage(18, LogLevel.Warning, "{Change}. Reading {Topic} again from the beginning once the aggregator has created it; the chart keeps its windows until new ones replace them")]
    private partial void LogTopicChanged(string change, string topic);

    [LoggerMessage(19, LogLevel.Debug, "Consume failed: {Reason}")]
    private partial void LogConsumeFailedQuietly(string reason);
}
