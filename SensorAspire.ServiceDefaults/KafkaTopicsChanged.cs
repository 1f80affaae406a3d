namespace SensorAspire.ServiceDefaults;

/// <summary>
/// What <see cref="KafkaTopicWatch"/> saw change: topics that no longer exist, topics that exist under a new id (deleted
/// and created again), and the cluster's id before and now (null where it could not be asked).
/// </summary>
public sealed record KafkaTopicsChanged(
    IReadOnlyList<string> Gone, IReadOnlyList<string> Replaced, string? ClusterIdBefore, string? ClusterIdNow)
{
    /// <summary>True when the broker now answers with another cluster id.</summary>
    public bool IsAnotherCluster => ClusterIdBefore is not null && ClusterIdNow is not null && ClusterIdBefore != ClusterIdNow;

    /// <summary>One sentence for a log line, e.g. "Kafka is another cluster now (id B, was A): sensor-readings is gone".</summary>
    public override string ToString()
    {
        List<string> parts = [];
        if (Gone.Count > 0)
        {
            parts.Add($"{string.Join(", ", Gone)} {(Gone.Count == 1 ? "is" : "are")} gone");
        }

        if (Replaced.Count > 0)
        {
            parts.Add($"{string.Join(", ", Replaced)} {(Replaced.Count == 1 ? "was" : "were")} deleted and created again");
        }

        var what = string.Join("; ", parts);
        return IsAnotherCluster
            ? $"Kafka is another cluster now (id {ClusterIdNow}, was {ClusterIdBefore}): {what}"
            : $"Kafka's topics changed (a broker restarted without its data, or they were deleted): {what}";
    }
}
