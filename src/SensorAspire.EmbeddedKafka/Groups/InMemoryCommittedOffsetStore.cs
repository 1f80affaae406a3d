using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>Committed offsets held in memory only; they are lost when the broker stops.</summary>
internal sealed class InMemoryCommittedOffsetStore : ICommittedOffsetStore
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<TopicPartitionKey, CommittedOffset>> _groups =
        new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> GroupIds =>
        [.. _groups.Where(group => !group.Value.IsEmpty).Select(group => group.Key)];

    public void Commit(string groupId, TopicPartitionKey partition, CommittedOffset offset) =>
        _groups.GetOrAdd(groupId, static _ => new())[partition] = offset;

    public bool TryGet(string groupId, TopicPartitionKey partition, [MaybeNullWhen(false)] out CommittedOffset offset)
    {
        if (_groups.TryGetValue(groupId, out var offsets) && offsets.TryGetValue(partition, out var found))
        {
            offset = found;
            return true;
        }

        offset = null;
        return false;
    }

    public IReadOnlyList<KeyValuePair<TopicPartitionKey, CommittedOffset>> GetAll(string groupId) =>
        _groups.TryGetValue(groupId, out var offsets)
            ? [.. offsets.OrderBy(entry => entry.Key.Topic, StringComparer.Ordinal).ThenBy(entry => entry.Key.Partition)]
            : [];

    public void DeleteTopic(string topic)
    {
        foreach (var offsets in _groups.Values)
        {
            foreach (var key in offsets.Keys)
            {
                if (key.Topic == topic)
                {
                    offsets.TryRemove(key, out _);
                }
            }
        }
    }
}
