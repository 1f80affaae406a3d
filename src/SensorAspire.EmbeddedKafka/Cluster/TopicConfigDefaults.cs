namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>
/// Topic configs DescribeConfigs reports when a topic did not set them. Values are Apache Kafka's defaults; the
/// broker stores every config given at creation (cleanup.policy, retention.ms, ...) so issue 6 can act on them.
/// </summary>
internal static class TopicConfigDefaults
{
    public static IReadOnlyList<KeyValuePair<string, string>> All { get; } =
    [
        new("cleanup.policy", "delete"),
        new("compression.type", "producer"),
        new("delete.retention.ms", "86400000"),
        new("max.message.bytes", "1048588"),
        new("message.timestamp.type", "CreateTime"),
        new("min.insync.replicas", "1"),
        new("retention.bytes", "-1"),
        new("retention.ms", "604800000"),
        new("segment.bytes", "1073741824"),
        new("segment.ms", "604800000"),
    ];

    public static IReadOnlyList<KeyValuePair<string, string>> Broker { get; } =
    [
        new("auto.create.topics.enable", "true"),
        new("num.partitions", "1"),
        new("default.replication.factor", "1"),
        new("message.max.bytes", "1048588"),
        new("log.retention.ms", "604800000"),
        new("socket.request.max.bytes", "104857600"),
    ];
}
