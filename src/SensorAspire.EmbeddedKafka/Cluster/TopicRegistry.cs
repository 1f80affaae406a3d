using System.Collections.Concurrent;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>
/// The topics of the broker. Lookups are lock-free (the hot Produce/Fetch path); create and delete take one lock so
/// "exists?" and "create" are atomic. Each partition log has its own lock, so connections producing to and fetching
/// from different partitions never wait for each other (a single state loop would serialise the 2 cores we have).
/// </summary>
internal sealed class TopicRegistry
{
    private readonly ConcurrentDictionary<string, Topic> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, Topic> _byId = new();
    private readonly Lock _gate = new();

    /// <summary>Raised after a topic is deleted (outside any lock), e.g. so committed offsets for it can be dropped.</summary>
    public event Action<Topic>? TopicDeleted;

    public bool TryGet(string name, out Topic topic) => _byName.TryGetValue(name, out topic!);

    public Topic? Find(string name) => _byName.GetValueOrDefault(name);

    public Topic? Find(Guid id) => _byId.GetValueOrDefault(id);

    /// <summary>All topics, ordered by name.</summary>
    public IReadOnlyList<Topic> Snapshot() => _byName.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

    /// <summary>Kafka's topic-name rule: 1-249 of [a-zA-Z0-9._-], not "." or "..".</summary>
    public static bool IsValidName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 249 || name is "." or "..")
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Creates a topic synchronously (clients produce right after CreateTopics returns).</summary>
    public short TryCreate(string name, int partitions, IReadOnlyDictionary<string, string>? configs, bool validateOnly, out Topic? topic)
    {
        topic = null;
        if (!IsValidName(name))
        {
            return ErrorCode.InvalidTopicException;
        }

        if (partitions <= 0)
        {
            return ErrorCode.InvalidPartitions;
        }

        lock (_gate)
        {
            if (_byName.TryGetValue(name, out topic))
            {
                return ErrorCode.TopicAlreadyExists;
            }

            if (validateOnly)
            {
                return ErrorCode.None;
            }

            topic = new Topic(name, partitions, configs ?? new Dictionary<string, string>());
            _byId[topic.Id] = topic;
            _byName[name] = topic;
            return ErrorCode.None;
        }
    }

    /// <summary>Returns the existing topic or creates it (Metadata auto-create).</summary>
    public Topic GetOrCreate(string name, int partitions)
    {
        if (_byName.TryGetValue(name, out var existing))
        {
            return existing;
        }

        TryCreate(name, partitions, null, validateOnly: false, out var topic);
        return topic!;
    }

    public bool TryDelete(string name, out Topic? topic)
    {
        lock (_gate)
        {
            if (!_byName.TryRemove(name, out topic))
            {
                return false;
            }

            _byId.TryRemove(topic.Id, out _);
        }

        foreach (var partition in topic.Partitions)
        {
            partition.Close();
        }

        TopicDeleted?.Invoke(topic);
        return true;
    }

    public void CloseAll()
    {
        foreach (var topic in _byName.Values)
        {
            foreach (var partition in topic.Partitions)
            {
                partition.Close();
            }
        }
    }
}
