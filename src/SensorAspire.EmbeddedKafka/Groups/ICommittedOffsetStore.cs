using System.Diagnostics.CodeAnalysis;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// Where committed offsets live: in memory, or journalled to the data directory (<see cref="FileCommittedOffsetStore"/>).
/// Callers serialise writes per group (the coordinator holds the group's lock), but reads of different
/// groups and topic deletion may run concurrently, so implementations must be thread-safe.
/// </summary>
internal interface ICommittedOffsetStore
{
    void Commit(string groupId, TopicPartitionKey partition, CommittedOffset offset);

    bool TryGet(string groupId, TopicPartitionKey partition, [MaybeNullWhen(false)] out CommittedOffset offset);

    /// <summary>Every committed offset of a group, ordered by topic then partition.</summary>
    IReadOnlyList<KeyValuePair<TopicPartitionKey, CommittedOffset>> GetAll(string groupId);

    /// <summary>Group ids with at least one committed offset (so a restarted broker can list them).</summary>
    IReadOnlyCollection<string> GroupIds { get; }

    /// <summary>Forgets every group's offsets for a deleted topic, as Kafka does (kfake PR 1411).</summary>
    void DeleteTopic(string topic);
}
