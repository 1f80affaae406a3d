using System.Globalization;

namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// What a partition log acts on, from its topic's configs with the broker's options as defaults (Kafka's topic
/// config over <c>log.*</c> broker config). Topic configs cannot change after creation (no AlterConfigs), so this is
/// fixed per topic.
/// </summary>
internal sealed record LogConfig(
    int SegmentBytes,
    long RetentionBytes,
    long RetentionMs,
    bool Delete,
    bool Compact,
    long DeleteRetentionMs,
    bool SyncWrites)
{
    /// <summary>Start a background compaction when a segment rolls; tests that drive compaction themselves turn it off.</summary>
    public bool CompactOnRoll { get; init; } = true;

    public const string SegmentBytesKey = "segment.bytes";
    public const string RetentionBytesKey = "retention.bytes";
    public const string RetentionMsKey = "retention.ms";
    public const string CleanupPolicyKey = "cleanup.policy";
    public const string DeleteRetentionMsKey = "delete.retention.ms";

    /// <summary>Kafka's <c>delete.retention.ms</c> default: how long a tombstone outlives compaction (1 day).</summary>
    public const long DefaultDeleteRetentionMs = 86_400_000;

    public static LogConfig Default(EmbeddedKafkaOptions options) => new(
        options.SegmentBytes,
        options.RetentionBytes,
        ToMs(options.RetentionTime),
        Delete: true,
        Compact: false,
        DefaultDeleteRetentionMs,
        options.SyncWrites);

    /// <summary>-1 means "keep forever", as in Kafka.</summary>
    public static long ToMs(TimeSpan time) => time == Timeout.InfiniteTimeSpan ? -1 : (long)time.TotalMilliseconds;

    /// <summary>Effective settings for a topic; null and a message naming the bad config when a value is invalid (INVALID_CONFIG).</summary>
    public static LogConfig? TryCreate(IReadOnlyDictionary<string, string> configs, EmbeddedKafkaOptions options, out string? error)
    {
        error = null;
        var config = Default(options);
        foreach (var (name, value) in configs)
        {
            switch (name)
            {
                case SegmentBytesKey when int.TryParse(value, CultureInfo.InvariantCulture, out var bytes) && bytes >= 1:
                    config = config with { SegmentBytes = bytes };
                    break;
                case RetentionBytesKey when long.TryParse(value, CultureInfo.InvariantCulture, out var bytes) && bytes >= -1:
                    config = config with { RetentionBytes = bytes };
                    break;
                case RetentionMsKey when long.TryParse(value, CultureInfo.InvariantCulture, out var ms) && ms >= -1:
                    config = config with { RetentionMs = ms };
                    break;
                case DeleteRetentionMsKey when long.TryParse(value, CultureInfo.InvariantCulture, out var ms) && ms >= 0:
                    config = config with { DeleteRetentionMs = ms };
                    break;
                case CleanupPolicyKey when ParsePolicy(value) is { } policy:
                    config = config with { Delete = policy.Delete, Compact = policy.Compact };
                    break;
                case SegmentBytesKey or RetentionBytesKey or RetentionMsKey or DeleteRetentionMsKey or CleanupPolicyKey:
                    error = $"Invalid value '{value}' for configuration {name}.";
                    return null;
            }
        }

        return config;
    }

    /// <summary>"delete", "compact", or both comma-separated (Kafka's list syntax).</summary>
    private static (bool Delete, bool Compact)? ParsePolicy(string value)
    {
        bool delete = false, compact = false;
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            switch (part)
            {
                case "delete":
                    delete = true;
                    break;
                case "compact":
                    compact = true;
                    break;
                default:
                    return null;
            }
        }

        return delete || compact ? (delete, compact) : null;
    }
}
