using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using SensorAspire.Contracts;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Simulator;

/// <summary>
/// Sends simulated readings, keyed by sensor id. Steady mode (<see cref="SimulatorOptions.Interval"/>, the default):
/// every sensor once per interval, starting at once, like the tutorial. Load mode (<see cref="SimulatorOptions.TargetRate"/>):
/// paced every millisecond to the target rate, round-robin over sensors. Sends never await their acknowledgement:
/// delivery reports end the send spans and feed the counters.
/// </summary>
/// <remarks>
/// When the topic disappears (a broker that came back empty, a new cluster), librdkafka fails what it holds for it with
/// "Unknown partition" and refuses new sends with "Unknown topic". Those readings were never acknowledged, so nothing
/// acknowledged is lost; the worker stops sending, says so once, waits for the aggregator to create the topic again and
/// carries on. Sending into the void would not make the topic come back: no client of ours lets a broker auto-create it.
/// </remarks>
internal sealed partial class ReadingProducerWorker(
    IProducer<string, byte[]> producer,
    KafkaProducerSettings producerSettings,
    SimulatorTelemetry telemetry,
    IOptions<SimulatorOptions> options,
    TimeProvider time,
    ILogger<ReadingProducerWorker> logger) : BackgroundService
{
    private static readonly TimeSpan s_loadTick = TimeSpan.FromMilliseconds(1);

    private readonly SimulatorOptions _options = options.Value;
    private readonly ValueGenerator _values = new(options.Value);
    private long _sent;
    private long _lostReadings;
    private int _topicLost;
    private int _fatalLogged;
    private Action<DeliveryReport<string, byte[]>>? _onDeliveredUntraced;
    private int _nextSensor;

    /// <summary>Readings handed to the producer so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The aggregator owns the topic; sends before it exists would only fail.
        try
        {
            await KafkaTopics.WaitForAsync(producerSettings.Config, _options.Topic, Owner, logger, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        var ids = Enumerable.Range(0, _options.SensorCount).Select(_options.SensorId).ToArray();
        try
        {
            if (_options.TargetRate is { } rate)
            {
                Started(_options.SensorCount, _options.Topic, $"load mode, {rate} readings/s");
                await RunLoadAsync(ids, rate, stoppingToken);
            }
            else
            {
                var interval = _options.Interval ?? SimulatorOptions.DefaultInterval;
                Started(_options.SensorCount, _options.Topic, $"steady mode, every {interval}");
                await RunSteadyAsync(ids, interval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        producer.Flush(TimeSpan.FromSeconds(10));
        Finished(Sent);
    }

    private const string Owner = "the aggregator";

    private async Task RunSteadyAsync(string[] ids, TimeSpan interval, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            if (TopicLost)
            {
                await AwaitTopicAsync(stoppingToken);
            }

            for (var i = 0; i < ids.Length && !Done && !TopicLost; i++)
            {
                Send(ids, i, stoppingToken);
            }
        }
        while (!Done && await timer.WaitForNextTickAsync(stoppingToken));
    }

    // The pacing loop has a thread of its own: on the thread pool every tick woke a worker, and idle workers spin
    // (sched_yield) before they sleep, which cost more CPU than the sends themselves.
    private Task RunLoadAsync(string[] ids, double rate, CancellationToken stoppingToken)
        => Task.Factory.StartNew(() => RunLoad(ids, rate, stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void RunLoad(string[] ids, double rate, CancellationToken stoppingToken)
    {
        // Pace against the clock, not the tick count, so timer jitter does not lower the rate; cap catch-up bursts.
        var start = Stopwatch.GetTimestamp();
        var maxBurst = Math.Max(1, (long)(rate / 10));
        while (!Done && !stoppingToken.WaitHandle.WaitOne(s_loadTick))
        {
            if (TopicLost)
            {
                // The pacing thread's own: blocking it is what pausing means.
                AwaitTopicAsync(stoppingToken).GetAwaiter().GetResult();
                start = Stopwatch.GetTimestamp() - (long)(Sent / rate * Stopwatch.Frequency);
            }

            var due = (long)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate) - Sent;
            for (var n = Math.Min(due, maxBurst); n > 0 && !Done; n--)
            {
                var sensor = _nextSensor;
                _nextSensor = (sensor + 1) % ids.Length;
                if (!Send(ids, sensor, stoppingToken))
                {
                    _nextSensor = sensor;
                    break; // local queue full: wait for the next tick
                }
            }
        }
    }

    private bool Done => _options.MaxReadings is { } max && Sent >= max;

    private bool TopicLost => Volatile.Read(ref _topicLost) != 0;

    /// <summary>
    /// After the topic disappeared: lets librdkafka fail what it still holds for the old topic, says once how many
    /// readings were not delivered, waits for the topic to exist again and for the producer to know it, and returns.
    /// </summary>
    private async Task AwaitTopicAsync(CancellationToken stoppingToken)
    {
        await Task.Run(() => producer.Flush(TimeSpan.FromSeconds(10)), stoppingToken);
        TopicGone(_options.Topic, Interlocked.Exchange(ref _lostReadings, 0), Owner);
        await KafkaTopics.WaitForAsync(producerSettings.Config, _options.Topic, Owner, logger, stoppingToken, logWaiting: false);

        // The producer refuses the topic it saw disappear until its next metadata refresh; ask now.
        using (var admin = new DependentAdminClientBuilder(producer.Handle).Build())
        {
            await Task.Run(() => admin.GetMetadata(_options.Topic, TimeSpan.FromSeconds(10)), stoppingToken);
        }

        Interlocked.Exchange(ref _lostReadings, 0);
        Volatile.Write(ref _topicLost, 0);
        TopicBack(_options.Topic);
    }

    /// <summary>Sends one reading of sensor <paramref name="sensor"/>; false when the local queue is full.</summary>
    internal bool Send(string[] ids, int sensor, CancellationToken stoppingToken)
    {
        stoppingToken.ThrowIfCancellationRequested();
        var reading = new SensorReading(ids[sensor], time.GetUtcNow(), Math.Round(_values.Next(sensor), 3));
        var message = new Message<string, byte[]>
        {
            Key = reading.SensorId,
            Value = reading.ToUtf8Json(),
        };

        // A root span per reading: the trace that follows it through the aggregator to the chart starts here.
        var activity = KafkaTelemetry.StartSend(SimulatorTelemetry.Source, _options.Topic, message, disableTracing: producerSettings.DisableTracing);
        if (activity is { Recorded: false })
        {
            // Not sampled: the context (with its not-sampled flag) is in the headers already and nothing will be
            // recorded at delivery, so the span ends now and the reading shares the untraced delivery handler.
            activity.Dispose();
            activity = null;
        }

        activity?.SetTag("sensor.id", reading.SensorId);
        try
        {
            // Unsampled readings (most of them under load) share one handler instead of a closure per message.
            producer.Produce(_options.Topic, message, activity is null ? _onDeliveredUntraced ??= r => OnDelivered(r, null) : r => OnDelivered(r, activity));
        }
        catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
        {
            activity?.Dispose();
            return false;
        }
        catch (ProduceException<string, byte[]> ex) when (IsLostTopic(ex.Error.Code))
        {
            activity?.Dispose();
            TopicLostSeen();
            return false;
        }

        Interlocked.Increment(ref _sent);
        return true;
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report, Activity? activity)
    {
        if (report.Error.Code == ErrorCode.NoError)
        {
            telemetry.ReadingsSent.Add(1);
            KafkaTelemetry.RecordDelivery(activity, report.TopicPartitionOffset);
        }
        else
        {
            telemetry.ReadingsFailed.Add(1);
            KafkaTelemetry.RecordError(activity, new KafkaException(report.Error));
            if (IsLostTopic(report.Error.Code))
            {
                // Everything queued for a topic that vanished fails at once: counted, and said once.
                TopicLostSeen();
            }
            else if (report.Error.IsFatal)
            {
                // The producer can deliver nothing more (librdkafka fails everything it holds); the next send stops the
                // simulator. Said once, not once per reading.
                if (Interlocked.Exchange(ref _fatalLogged, 1) == 0)
                {
                    ProducerFailed(report.Error.Reason);
                }
            }
            else
            {
                DeliveryFailed(report.Message.Key, report.Error.Reason);
            }
        }

        activity?.Dispose();
    }

    private void TopicLostSeen()
    {
        Interlocked.Increment(ref _lostReadings);
        Volatile.Write(ref _topicLost, 1);
    }

    private static bool IsLostTopic(ErrorCode error)
        => error is ErrorCode.Local_UnknownPartition or ErrorCode.Local_UnknownTopic or ErrorCode.UnknownTopicOrPart;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Simulating {SensorCount} sensors to {Topic} ({Mode})")]
    private partial void Started(int sensorCount, string topic, string mode);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Simulator stopped after {Sent} readings")]
    private partial void Finished(long sent);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Reading of {SensorId} was not delivered: {Reason}")]
    private partial void DeliveryFailed(string sensorId, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Topic {Topic} is gone (a broker restarted without its data, a new cluster, or it was deleted); {Lost} readings were not delivered. Waiting for {Owner} to create it again")]
    private partial void TopicGone(string topic, long lost, string owner);

    [LoggerMessage(EventId = 6, Level = LogLevel.Critical, Message = "The Kafka producer failed for good ({Reason}); the simulator stops")]
    private partial void ProducerFailed(string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Topic {Topic} exists again; sending")]
    private partial void TopicBack(string topic);
}
