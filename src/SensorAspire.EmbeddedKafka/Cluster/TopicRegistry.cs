using System.Collections.Concurrent;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Storage;

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
    private readonly EmbeddedKafkaOptions _options;
    private readonly TopicStore? _store;
    private readonly TimeProvider _time;

    /// <summary>Memory-only, or recovered from <see cref="EmbeddedKafkaOptions.DataDirectory"/> when set.</summary>
    public TopicRegistry(EmbeddedKafkaOptions options, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        if (options.DataDirectory is null)
        {
            return;
        }

        _store = new TopicStore(options.DataDirectory);
        foreach (var (manifest, directory) in _store.Load())
        {
            // Configs were validated when the topic was created; a hand-edited bad value falls back to the defaults.
            var logConfig = LogConfig.TryCreate(manifest.Configs, options, out _) ?? LogConfig.Default(options);
            var topic = new Topic(manifest.Name, manifest.Id, manifest.Partitions, manifest.Configs, logConfig, directory, _time);
            _byName[topic.Name] = topic;
            _byId[topic.Id] = topic;
        }
    }

    public int Count => _byName.Count;

    /// <summary>Bytes cut off torn segment tails while recovering.</summary>
    public long RecoveredTruncatedBytes => _byName.Values.SelectMany(t => t.Partitions).Sum(p => p.RecoveredTruncatedBytes);

    /// <summary>The largest producer id found in recovered logs (-1 if none).</summary>
    public long MaxRecoveredProducerId => _byName.Values.SelectMany(t => t.Partitions).Select(p => p.MaxRecoveredProducerId).DefaultIfEmpty(-1).Max();

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
    public KafkaErrorCode TryCreate(string name, int partitions, IReadOnlyDictionary<string, string>? configs, bool validateOnly, out Topic? topic)
    {
        topic = null;
        if (!IsValidName(name))
        {
            return KafkaErrorCode.InvalidTopicException;
        }

        if (partitions <= 0)
        {
            return KafkaErrorCode.InvalidPartitions;
        }

        lock (_gate)
        {
            if (_byName.TryGetValue(name, out topic))
            {
                return KafkaErrorCode.TopicAlreadyExists;
            }

            configs ??= new Dictionary<string, string>();
            if (LogConfig.TryCreate(configs, _options, out _) is not { } logConfig)
            {
                return KafkaErrorCode.InvalidConfig;
            }

            if (validateOnly)
            {
                return KafkaErrorCode.None;
            }

            var id = Guid.NewGuid();
            var directory = _store?.DirectoryFor(name, id);
            try
            {
                topic = new Topic(name, id, partitions, configs, logConfig, directory, _time);
                if (_store is not null)
                {
                    // Written after the partition folders exist: a crash before this leaves a folder that start-up removes.
                    _store.Save(new TopicManifest(name, id, partitions, new Dictionary<string, string>(configs, StringComparer.Ordinal)), directory!);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                topic = null;
                return KafkaErrorCode.KafkaStorageError;
            }

            _byId[topic.Id] = topic;
            _byName[name] = topic;
            return KafkaErrorCode.None;
        }
    }

    /// <summary>Returns the existing topic or creates it (Metadata auto-create); null if it cannot be created (disk error).</summary>
    public Topic? GetOrCreate(string name, int partitions)
    {
        if (_byName.TryGetValue(name, out var existing))
        {
            return existing;
        }

        TryCreate(name, partitions, null, validateOnly: false, out var topic);
        return topic;
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

        if (topic.Directory is { } directory)
        {
            try
            {
                TopicStore.Delete(directory);
            }
            catch (IOException)
            {
                // A compaction finishing in the folder raced us; the manifest went first, so start-up removes the rest.
            }
        }

        TopicDeleted?.Invoke(topic);
        return true;
    }

    /// <summary>Time and size retention over every partition; returns the bytes dropped.</summary>
    public long ApplyRetention(long nowMs) => _byName.Values.SelectMany(t => t.Partitions).Sum(p => p.ApplyRetention(nowMs));

    /// <summary>Compacts every partition of compacted topics, waiting for any compaction already running; returns how many ran.</summary>
    public int CompactAll() => _byName.Values.SelectMany(t => t.Partitions).Count(p => p.Compact(wait: true));

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
