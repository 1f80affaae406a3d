namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// An OffsetCommit request. Generation -1 with an empty member id is a "simple" commit (AdminClient, kcat -C with
/// stored offsets, OffsetCommit v0), accepted only while the group has no members.
/// </summary>
internal sealed record OffsetCommitCommand(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    IReadOnlyList<PartitionCommit> Partitions);

/// <summary>One partition's commit; <see cref="CommitTimestampMs"/> is only sent by OffsetCommit v1.</summary>
internal sealed record PartitionCommit(
    string Topic,
    int Partition,
    long Offset,
    int LeaderEpoch,
    string? Metadata,
    long? CommitTimestampMs = null);
