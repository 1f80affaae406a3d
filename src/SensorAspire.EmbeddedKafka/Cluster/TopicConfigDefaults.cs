using System.Globalization;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>
/// Topic configs DescribeConfigs reports when a topic did not set them. Values are Apache Kafka's defaults, except the
/// ones this broker acts on (segment.bytes, retention.bytes, retention.ms), which come from <see cref="EmbeddedKafkaOptions"/>.
/// </summary>
internal static class TopicConfigDefaults
{
    /// <summary>The topic defaults with the broker's own segment and retention defaults in place of Kafka's.</summary>
    public static IEnumerable<KeyValuePair<string, string>> For(EmbeddedKafkaOptions options) => All.Select(config => config.Key switch
    {
        LogConfig.SegmentBytesKey => new(config.Key, Invariant(options.SegmentBytes)),
        LogConfig.RetentionBytesKey => new(config.Key, Invariant(options.RetentionBytes)),
        LogConfig.RetentionMsKey => new(config.Key, Invariant(LogConfig.ToMs(options.RetentionTime))),
        _ => config,
    });

    /// <summary>The broker configs DescribeConfigs reports, with the log defaults from the options.</summary>
    public static IEnumerable<KeyValuePair<string, string>> BrokerFor(EmbeddedKafkaOptions options) => Broker.Select(config => config.Key switch
    {
        "log.retention.ms" => new(config.Key, Invariant(LogConfig.ToMs(options.RetentionTime))),
        "log.retention.bytes" => new(config.Key, Invariant(options.RetentionBytes)),
        "log.segment.bytes" => new(config.Key, Invariant(options.SegmentBytes)),
        _ => config,
    });

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

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
        new("log.retention.bytes", "-1"),
        new("log.segment.bytes", "1048576"),
        new("socket.request.max.bytes", "104857600"),
    ];
}
