using System.ComponentModel.DataAnnotations;
using SensorAspire.Contracts;

namespace SensorAspire.Aggregator;

/// <summary>Settings of the aggregator, bound from <see cref="SectionName"/> and validated at start.</summary>
public sealed class AggregatorOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Aggregator";

    /// <summary>Consumer group used when <c>Aspire:Confluent:Kafka:Consumer:Config:GroupId</c> is not set.</summary>
    public const string DefaultGroupId = "sensor-aggregator";

    /// <summary>Readings per sensor window (the tutorial's chart shows the last 12).</summary>
    [Range(1, 10_000)]
    public int WindowSize { get; set; } = 12;

    /// <summary>JSON readings written by the simulator (which waits for the aggregator to create the topic).</summary>
    [Required]
    public string ReadingsTopic { get; set; } = TopicNames.Readings;

    /// <summary>The tutorial's "datetime,temp1,temp2" topic.</summary>
    [Required]
    public string TutorialTopic { get; set; } = TopicNames.TutorialSensorData;

    /// <summary>Compacted topic of window updates, read by the chart and used to restore windows.</summary>
    [Required]
    public string WindowsTopic { get; set; } = TopicNames.Windows;

    /// <summary>Where malformed messages go, with the reason in the <c>dlq.reason</c> header.</summary>
    [Required]
    public string DeadLetterTopic { get; set; } = TopicNames.DeadLetter;

    /// <summary>
    /// Partitions of the readings and windows topics when the aggregator creates them (up to this many replicas share
    /// the load). The aggregator owns every topic it reads or writes; no other service creates them.
    /// </summary>
    [Range(1, 1_000)]
    public int Partitions { get; set; } = 8;

    /// <summary>Create the readings, tutorial, windows and dead-letter topics at start (idempotent); turn off where topics are managed elsewhere.</summary>
    public bool CreateTopics { get; set; } = true;

    /// <summary>Most readings applied before their window updates are published (coalescing under load).</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchSize { get; set; } = 50_000;

    /// <summary>
    /// Most changed sensors (each a window update to publish) in one batch. Bounds the updates built and held until acknowledged at once
    /// when many sensors catch up together (memory), while a busy small fleet still coalesces up to MaxBatchSize.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxBatchSensors { get; set; } = 10_000;

    /// <summary>
    /// Longest time a batch collects readings while more are already waiting. An idle input ends a batch at once, so
    /// this only bites when the aggregator is behind: then bigger batches coalesce more readings per update.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan MaxBatchDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest time to read the windows topic back when partitions are assigned.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan RestoreTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
