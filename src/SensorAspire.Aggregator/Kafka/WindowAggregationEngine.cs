using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using SensorAspire.Aggregator.Windows;
using SensorAspire.Contracts;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Aggregator.Kafka;

/// <summary>
/// The aggregator's core, driven by <see cref="ReadingAggregatorWorker"/> and by the consumer's rebalance callbacks,
/// all on the consume loop's thread: applies readings to windows, publishes one update per changed sensor per batch
/// (coalescing), dead-letters bad input, and stores input offsets for commit only after everything a batch produced
/// is acknowledged. Delivery reports arrive on the producer's thread and only touch <see cref="InputBatch"/> counters.
/// Each malformed message is dead-lettered once: a replay skips input offsets at or below the highest one already
/// dead-lettered from its partition (<see cref="DeadLetterRestorer"/>), as windows skip readings they already hold.
/// </summary>
internal sealed partial class WindowAggregationEngine(
    IProducer<string, byte[]> producer,
    KafkaProducerSettings producerSettings,
    KafkaConsumerSettings consumerSettings,
    WindowStore store,
    WindowRestorer restorer,
    DeadLetterRestorer deadLetterRestorer,
    AggregatorTelemetry telemetry,
    IOptions<AggregatorOptions> options,
    TimeProvider time,
    ILogger<WindowAggregationEngine> logger)
{
    private static readonly TimeSpan s_flushTimeout = TimeSpan.FromSeconds(30);

    private readonly AggregatorOptions _options = options.Value;
    // Batches whose output is sent but not all acknowledged yet, oldest first.
    private readonly Queue<InputBatch> _awaitingAcks = new();
    private readonly HashSet<TopicPartition> _held = [];
    // The highest input offset dead-lettered, per held input partition.
    private readonly Dictionary<TopicPartition, long> _deadLettered = [];
    private InputBatch _batch = new();
    private readonly WindowUpdatedWriter _windowJson = new();

    // Readings applied since the last publish: the counter is added to once per batch, not once per reading.
    private long _applied;

    /// <summary>Input partitions currently assigned (for the health check).</summary>
    public int AssignedPartitions => _held.Count;

    /// <summary>Sensors whose update waits for the next <see cref="PublishChanges"/>.</summary>
    public int ChangedSensors => store.ChangedCount;

    /// <summary>Applies one consumed message (or dead-letters it) as part of the current batch.</summary>
    public void Process(ConsumeResult<string, byte[]> result)
    {
        var position = new SourcePosition(result.Topic, result.Partition.Value, result.Offset.Value);
        using var activity = KafkaTelemetry.StartProcess(AggregatorTelemetry.Source, result, consumerSettings.Config.GroupId, consumerSettings.DisableTracing, out var trace);
        _batch.Track(position);

        if (string.Equals(result.Topic, _options.TutorialTopic, StringComparison.Ordinal))
        {
            if (ReadingDecoder.TryDecodeTutorial(result.Message.Value, out var temp1, out var temp2, out var failure))
            {
                Apply(temp1, position, trace, activity);
                Apply(temp2, position, trace, activity);
            }
            else
            {
                DeadLetter(result, position, failure, trace, activity);
            }
        }
        else if (ReadingDecoder.TryDecodeJson(result.Message.Key, result.Message.Value, out var reading, out var failure))
        {
            Apply(reading, position, trace, activity);
        }
        else
        {
            DeadLetter(result, position, failure, trace, activity);
        }
    }

    /// <summary>Publishes one update per changed sensor and closes the current batch.</summary>
    public void PublishChanges()
    {
        var batch = _batch;
        if (batch.MessageCount == 0 && store.ChangedCount == 0)
        {
            return;
        }

        if (_applied > 0)
        {
            telemetry.ReadingsApplied.Add(_applied);
            _applied = 0;
        }

        var now = time.GetUtcNow();
        foreach (ref readonly var changed in store.Changed)
        {
            var sensorId = store.SensorId(changed.Slot);
            var message = new Message<string, byte[]>
            {
                Key = sensorId,
                Value = store.ToUtf8Json(changed.Slot, now, _windowJson),
            };
            var activity = KafkaTelemetry.StartSend(AggregatorTelemetry.Source, _options.WindowsTopic, message, changed.Parent, changed.Links, producerSettings.DisableTracing);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("sensor.id", sensorId);
                activity.SetTag("messaging.batch.message_count", (changed.Links?.Count ?? 0) + 1);
            }

            var firstReadingTicks = changed.FirstReadingTicks;
            batch.AddOutstanding();
            Produce(_options.WindowsTopic, message, report => OnWindowDelivered(report, batch, activity, firstReadingTicks));
        }

        store.ClearChanged();
        batch.Seal();
        _awaitingAcks.Enqueue(batch);
        _batch = new InputBatch();
    }

    /// <summary>
    /// Stores, for the next commit, the offsets of every leading batch whose output is fully acknowledged. Returns false,
    /// storing nothing more, when a batch's output could not be delivered because its topic is gone: the cluster changed
    /// and the caller heals (<see cref="Reset"/>).
    /// </summary>
    public bool StoreCompleted(IConsumer<string, byte[]> consumer)
    {
        while (_awaitingAcks.TryPeek(out var batch) && batch.IsComplete)
        {
            if (batch.FailedOnlyForLostTopics)
            {
                return false;
            }

            if (batch.HasFailed)
            {
                // Offsets stay uncommitted; a restart replays them and skips what reached the windows topic.
                throw new InvalidOperationException("A window update or dead letter could not be delivered; stopping without committing its input.");
            }

            foreach (var consumed in batch.LastConsumed)
            {
                var partition = new TopicPartition(consumed.Topic, consumed.Partition);
                if (_held.Contains(partition))
                {
                    // Kafka commits the next offset to read.
                    consumer.StoreOffset(new TopicPartitionOffset(partition, consumed.Offset + 1));
                }
            }

            _awaitingAcks.Dequeue();
        }

        return true;
    }

    /// <summary>Publishes the changed windows, waits for every acknowledgement and commits (rebalance or shutdown).</summary>
    public void Drain(IConsumer<string, byte[]> consumer)
    {
        PublishChanges();
        producer.Flush(s_flushTimeout);
        if (!StoreCompleted(consumer))
        {
            // The output's topic is gone: nothing of this may be committed; the caller heals.
            return;
        }

        try
        {
            consumer.Commit();
        }
        catch (KafkaException ex) when (ex.Error.Code is ErrorCode.Local_NoOffset or ErrorCode.Local_State)
        {
            // Nothing stored since the last commit, or no assignment: nothing to do.
        }
        catch (KafkaException ex) when (ex.Error.Code is ErrorCode.UnknownMemberId or ErrorCode.IllegalGeneration
            or ErrorCode.RebalanceInProgress or ErrorCode.UnknownTopicOrPart or ErrorCode.GroupCoordinatorNotAvailable
            or ErrorCode.NotCoordinatorForGroup or ErrorCode.Local_WaitCoord or ErrorCode.Local_Transport
            or ErrorCode.Local_AllBrokersDown or ErrorCode.Local_TimedOut or ErrorCode.Local_AssignmentLost)
        {
            // The group moved on without this member (a coordinator that restarted, a new generation), the topic is gone
            // or Kafka cannot be reached: the next owner replays from the last commit and skips what is already in the
            // windows and the dead-letter topic.
            CommitRefused(ex.Error.Reason);
        }
    }

    /// <summary>
    /// Forgets everything that described the cluster as it was, as a restart would, for a cluster that changed under
    /// the aggregator: waits (boundedly) for the producer's queue to empty, drops the batches awaiting acknowledgement
    /// (their offsets are never committed), every window and dead-letter mark, and the partitions held. Whatever the
    /// topics still hold is restored at the next assignment. Returns the number of windows dropped.
    /// </summary>
    public int Reset(IConsumer<string, byte[]> consumer)
    {
        // Messages for topics that are gone fail at once; others are delivered before the state is read back.
        var undelivered = producer.Flush(s_flushTimeout);
        if (undelivered > 0)
        {
            UndeliveredAtReset(undelivered);
        }

        // Offsets stored for the old topics must not reach a commit: topics created again under the same names start at
        // offset 0, and a committed 500 would skip their first 500 messages. An invalid offset is never committed.
        foreach (var partition in _held)
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(partition, Offset.Unset));
            }
            catch (KafkaException)
            {
                // The partition is gone from the client already: nothing stored for it can be committed.
            }
        }

        _awaitingAcks.Clear();
        _batch = new InputBatch();
        _applied = 0;
        var dropped = store.Count;
        store.RemoveWhere(static _ => true);
        _held.Clear();
        _deadLettered.Clear();
        return dropped;
    }

    public void OnAssigned(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions)
    {
        _ = consumer;
        var fresh = partitions.Where(p => !_held.Contains(p)).ToList();
        var assigned = partitions.ToHashSet();

        // Windows of partitions given away may be changed by their new owner: drop them (they are on the windows topic).
        store.RemoveWhere(source => source.Topic is null || !assigned.Contains(new TopicPartition(source.Topic, source.Partition)));
        foreach (var partition in _deadLettered.Keys.Where(p => !assigned.Contains(p)).ToList())
        {
            _deadLettered.Remove(partition);
        }

        if (fresh.Count > 0)
        {
            using var reader = new TopicReader(consumerSettings, _options.RestoreTimeout);
            restorer.Restore(reader, store, fresh);
            foreach (var (partition, offset) in deadLetterRestorer.Restore(reader, fresh))
            {
                _deadLettered[partition] = offset;
            }
        }

        _held.Clear();
        _held.UnionWith(partitions);
        PartitionsAssigned(partitions.Count, fresh.Count, store.Count);
    }

    public void OnRevoked(IConsumer<string, byte[]> consumer, List<TopicPartitionOffset> partitions)
    {
        // Eager rebalancing: everything is revoked, then a new assignment arrives. Publish and commit first so the
        // next owner of a partition restores exactly the windows its committed offsets correspond to. The windows
        // stay in memory: if a partition comes back, they are still current.
        Drain(consumer);
        PartitionsRevoked(partitions.Count);
    }

    public void OnLost(List<TopicPartitionOffset> partitions)
    {
        // Someone else owns these now; do not commit, forget their windows and restore them if they come back.
        var lost = partitions.Select(p => p.TopicPartition).ToHashSet();
        store.RemoveWhere(source => source.Topic is not null && lost.Contains(new TopicPartition(source.Topic, source.Partition)));
        _held.ExceptWith(lost);
        foreach (var partition in lost)
        {
            _deadLettered.Remove(partition);
        }

        PartitionsLost(partitions.Count);
    }

    private void Apply(in DecodedReading reading, in SourcePosition position, in ActivityContext trace, Activity? activity)
    {
        switch (store.Apply(reading, position, trace))
        {
            case ReadingOutcome.AlreadyApplied:
                telemetry.ReadingsSkipped.Add(1, new KeyValuePair<string, object?>("reason", "duplicate"));
                activity?.SetTag("sensor.skipped", "duplicate");
                break;
            case ReadingOutcome.DiscardedTooOld:
                telemetry.ReadingsSkipped.Add(1, new KeyValuePair<string, object?>("reason", "too-old"));
                activity?.SetTag("sensor.skipped", "too-old");
                break;
            default:
                _applied++;
                break;
        }
    }

    private void DeadLetter(ConsumeResult<string, byte[]> result, in SourcePosition position, in ReadFailure failure, in ActivityContext trace, Activity? activity)
    {
        var (reason, detail) = failure;
        var source = result.TopicPartition;
        if (_deadLettered.TryGetValue(source, out var highest) && position.Offset <= highest)
        {
            // Dead-lettered before a crash or rebalance whose replay brings it back.
            activity?.SetTag("sensor.skipped", "duplicate");
            AlreadyDeadLettered(position.Topic, position.Partition, position.Offset);
            return;
        }

        _deadLettered[source] = position.Offset;
        var headers = new Headers();
        foreach (var header in result.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(DeadLetterHeaders.Reason, Encoding.UTF8.GetBytes(reason));
        headers.Add(DeadLetterHeaders.Detail, Encoding.UTF8.GetBytes(detail));
        headers.Add(DeadLetterHeaders.SourceTopic, Encoding.UTF8.GetBytes(position.Topic));
        headers.Add(DeadLetterHeaders.SourcePartition, Encoding.UTF8.GetBytes(position.Partition.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        headers.Add(DeadLetterHeaders.SourceOffset, Encoding.UTF8.GetBytes(position.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var message = new Message<string, byte[]> { Key = result.Message.Key, Value = result.Message.Value, Headers = headers };
        activity?.SetTag("error.type", reason);
        activity?.SetStatus(ActivityStatusCode.Error, detail);
        var send = KafkaTelemetry.StartSend(AggregatorTelemetry.Source, _options.DeadLetterTopic, message, trace, disableTracing: producerSettings.DisableTracing);
        telemetry.DeadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason));
        DeadLettered(position.Topic, position.Partition, position.Offset, reason, detail);

        var batch = _batch;
        batch.AddOutstanding();
        Produce(_options.DeadLetterTopic, message, report =>
        {
            Complete(send, report);
            batch.Delivered(report.Error.Code);
        });
    }

    private void OnWindowDelivered(DeliveryReport<string, byte[]> report, InputBatch batch, Activity? activity, long firstReadingTicks)
    {
        if (report.Error.Code == ErrorCode.NoError)
        {
            telemetry.WindowUpdates.Add(1);
            telemetry.Latency.Record(TimeSpan.FromTicks(time.GetUtcNow().UtcTicks - firstReadingTicks).TotalSeconds);
        }

        Complete(activity, report);
        batch.Delivered(report.Error.Code);
    }

    private void Complete(Activity? activity, DeliveryReport<string, byte[]> report)
    {
        if (report.Error.Code == ErrorCode.NoError)
        {
            KafkaTelemetry.RecordDelivery(activity, report.TopicPartitionOffset);
        }
        else
        {
            KafkaTelemetry.RecordError(activity, new KafkaException(report.Error));
            if (!InputBatch.IsLostTopic(report.Error.Code))
            {
                // A topic that is gone fails everything queued for it at once; the heal says so in one line.
                DeliveryFailed(report.Topic, report.Error.Reason);
            }
        }

        activity?.Dispose();
    }

    private void Produce(string topic, Message<string, byte[]> message, Action<DeliveryReport<string, byte[]>> onDelivered)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, message, onDelivered);
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // Back-pressure: the local queue is full until deliveries catch up.
                Thread.Sleep(1);
            }
        }
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Assigned {Partitions} input partitions ({Fresh} new); holding {Sensors} sensor windows")]
    private partial void PartitionsAssigned(int partitions, int fresh, int sensors);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Revoked {Partitions} input partitions after publishing and committing")]
    private partial void PartitionsRevoked(int partitions);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "Lost {Partitions} input partitions (the group went on without this member); their windows will be restored if they come back")]
    private partial void PartitionsLost(int partitions);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Dead-lettered {Topic}[{Partition}]@{Offset}: {Reason} ({Detail})")]
    private partial void DeadLettered(string topic, int partition, long offset, string reason, string detail);

    [LoggerMessage(EventId = 34, Level = LogLevel.Error, Message = "Delivery to {Topic} failed: {Reason}")]
    private partial void DeliveryFailed(string topic, string reason);

    [LoggerMessage(EventId = 35, Level = LogLevel.Debug, Message = "Skipped {Topic}[{Partition}]@{Offset}: already in the dead-letter topic")]
    private partial void AlreadyDeadLettered(string topic, int partition, long offset);

    [LoggerMessage(EventId = 36, Level = LogLevel.Information, Message = "Offsets not committed ({Reason}); the partitions' next owner replays from the last commit and skips what was published")]
    private partial void CommitRefused(string reason);

    [LoggerMessage(EventId = 37, Level = LogLevel.Warning, Message = "{Count} window updates or dead letters were still undelivered when the aggregator reset its state")]
    private partial void UndeliveredAtReset(int count);
}
