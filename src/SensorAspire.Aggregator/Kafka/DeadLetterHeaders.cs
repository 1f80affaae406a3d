namespace SensorAspire.Aggregator.Kafka;

/// <summary>Headers the aggregator adds to a dead-lettered message (next to the original headers).</summary>
public static class DeadLetterHeaders
{
    /// <summary>Short reason code, e.g. <c>invalid-json</c>, <c>key-mismatch</c>, <c>invalid-tutorial-format</c>.</summary>
    public const string Reason = "dlq.reason";

    /// <summary>Human-readable detail (the parser's message).</summary>
    public const string Detail = "dlq.detail";

    /// <summary>Topic the message was consumed from.</summary>
    public const string SourceTopic = "dlq.source.topic";

    /// <summary>Partition the message was consumed from.</summary>
    public const string SourcePartition = "dlq.source.partition";

    /// <summary>Offset the message was consumed at.</summary>
    public const string SourceOffset = "dlq.source.offset";
}
