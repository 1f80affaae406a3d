using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using SensorAspire.EmbeddedKafka.Cluster;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// Committed offsets kept in memory and journalled to <c>offsets.jsonl</c> in the data directory: one JSON line per
/// commit or topic deletion, written to the OS before the OffsetCommit response (fsynced too with SyncWrites). On
/// start-up the journal is replayed (a torn last line, the write the process died in, is ignored) and rewritten as a
/// snapshot of the live offsets; it is rewritten the same way whenever it grows past four times the live entries,
/// so it stays proportional to the number of committed partitions, not to the number of commits.
/// </summary>
internal sealed class FileCommittedOffsetStore : ICommittedOffsetStore, IDisposable
{
    private const int MinimumEntriesBeforeRewrite = 10_000;

    private readonly InMemoryCommittedOffsetStore _offsets = new();
    private readonly Lock _gate = new();
    private readonly string _path;
    private readonly bool _sync;
    private FileStream _journal;
    private int _journalEntries;

    public FileCommittedOffsetStore(string dataDirectory, bool syncWrites)
    {
        Directory.CreateDirectory(dataDirectory);
        _path = Path.Combine(dataDirectory, "offsets.jsonl");
        _sync = syncWrites;
        Replay();
        _journal = Rewrite();
    }

    public IReadOnlyCollection<string> GroupIds => _offsets.GroupIds;

    public void Commit(string groupId, TopicPartitionKey partition, CommittedOffset offset)
    {
        lock (_gate)
        {
            Append(new OffsetJournalEntry(groupId, partition.Topic, partition.Partition, offset.Offset, offset.LeaderEpoch, offset.Metadata, offset.CommitTimestampMs, null));
            _offsets.Commit(groupId, partition, offset);
        }
    }

    public bool TryGet(string groupId, TopicPartitionKey partition, [MaybeNullWhen(false)] out CommittedOffset offset) =>
        _offsets.TryGet(groupId, partition, out offset);

    public IReadOnlyList<KeyValuePair<TopicPartitionKey, CommittedOffset>> GetAll(string groupId) => _offsets.GetAll(groupId);

    public void DeleteTopic(string topic)
    {
        lock (_gate)
        {
            Append(new OffsetJournalEntry(null, null, 0, 0, 0, null, 0, topic));
            _offsets.DeleteTopic(topic);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _journal.Flush(flushToDisk: true);
            _journal.Dispose();
        }
    }

    private void Append(OffsetJournalEntry entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, StorageJsonContext.Default.OffsetJournalEntry);
        var bytes = new byte[line.Length + 1];
        line.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        _journal.Write(bytes);
        if (_sync)
        {
            _journal.Flush(flushToDisk: true);
        }

        // LiveCount walks every group, so it is only asked once the journal is big enough to be worth rewriting.
        if (++_journalEntries > MinimumEntriesBeforeRewrite && _journalEntries > 4 * LiveCount())
        {
            _journal.Dispose();
            _journal = Rewrite();
        }
    }

    private int LiveCount() => _offsets.GroupIds.Sum(group => _offsets.GetAll(group).Count);

    private void Replay()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        foreach (var line in File.ReadAllLines(_path))
        {
            OffsetJournalEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(line, StorageJsonContext.Default.OffsetJournalEntry);
            }
            catch (JsonException)
            {
                break; // a torn last line
            }

            if (entry is { DeletedTopic: { } deleted })
            {
                _offsets.DeleteTopic(deleted);
            }
            else if (entry is { Group: { } group, Topic: { } topic })
            {
                _offsets.Commit(group, new TopicPartitionKey(topic, entry.Partition), new CommittedOffset(entry.Offset, entry.LeaderEpoch, entry.Metadata, entry.CommitTimestampMs));
            }
        }
    }

    /// <summary>Writes the live offsets to a new journal (fsynced, renamed over the old one) and opens it for appending.</summary>
    private FileStream Rewrite()
    {
        var temporary = _path + ".tmp";
        _journalEntries = 0;
        using (var snapshot = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            foreach (var group in _offsets.GroupIds)
            {
                foreach (var (partition, offset) in _offsets.GetAll(group))
                {
                    snapshot.Write(JsonSerializer.SerializeToUtf8Bytes(
                        new OffsetJournalEntry(group, partition.Topic, partition.Partition, offset.Offset, offset.LeaderEpoch, offset.Metadata, offset.CommitTimestampMs, null),
                        StorageJsonContext.Default.OffsetJournalEntry));
                    snapshot.WriteByte((byte)'\n');
                    _journalEntries++;
                }
            }

            snapshot.Flush(flushToDisk: true);
        }

        File.Move(temporary, _path, overwrite: true);
        return new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }
}
