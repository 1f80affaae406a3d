namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// One line of the committed-offset journal: a commit (group, topic, partition and the offset fields), or, with
/// only <see cref="DeletedTopic"/> set, "every group's offsets for this topic are gone".
/// </summary>
internal sealed record OffsetJournalEntry(
    string? Group,
    string? Topic,
    int Partition,
    long Offset,
    int LeaderEpoch,
    string? Metadata,
    long CommitTimestampMs,
    string? DeletedTopic);
