using SensorAspire.EmbeddedKafka.Protocol;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SensorAspire.EmbeddedKafka.Cluster;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// The classic group coordinator of our single node (we coordinate every group). It owns the groups and the
/// committed offsets; the API handlers translate wire messages into these calls and back.
/// </summary>
/// <remarks>
/// Follows Kafka's <c>GroupCoordinator</c> (classic protocol) as described in the protocol guide, section 12, static
/// membership (KIP-345) included.
/// </remarks>
internal sealed class GroupCoordinator : IDisposable, IAsyncDisposable
{
    /// <summary>Kafka's <c>group.max.session.timeout.ms</c> default.</summary>
    public static readonly TimeSpan MaxSessionTimeout = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<string, ClassicGroup> _groups = new(StringComparer.Ordinal);
    private readonly Lock _createLock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _minSessionTimeout;
    private readonly Func<string, int, bool> _partitionExists;
    private readonly ILogger _logger;

    /// <param name="options">Supplies the minimum session timeout a member may ask for.</param>
    /// <param name="offsets">Where committed offsets are kept.</param>
    /// <param name="time">The clock and timers; tests pass a fake one.</param>
    /// <param name="partitionExists">Whether a topic partition exists, for OffsetCommit's per-partition error.</param>
    /// <param name="logger">Where group lifecycle events go; null logs nothing.</param>
    public GroupCoordinator(
        EmbeddedKafkaOptions options,
        ICommittedOffsetStore offsets,
        TimeProvider time,
        Func<string, int, bool> partitionExists,
        ILogger? logger = null)
    {
        Offsets = offsets;
        _time = time;
        _minSessionTimeout = options.MinSessionTimeout;
        _partitionExists = partitionExists;
        _logger = logger ?? NullLogger.Instance;

        // Groups known only from stored offsets exist as Empty groups, as after a Kafka broker restart.
        foreach (var groupId in offsets.GroupIds)
        {
            GetOrCreate(groupId);
        }
    }

    public ICommittedOffsetStore Offsets { get; }

    /// <summary>
    /// The broker's coordinator, shared by the group APIs through <c>broker.GetComponent(GroupCoordinator.Create)</c>:
    /// real time, offsets in memory (journalled to the data directory when there is one), the broker's topics, and committed offsets dropped when a topic is deleted.
    /// </summary>
    public static GroupCoordinator Create(BrokerState broker)
    {
        var coordinator = new GroupCoordinator(
            broker.Options,
            broker.Options.DataDirectory is { } dataDirectory
                ? new FileCommittedOffsetStore(dataDirectory, broker.Options.SyncWrites)
                : new InMemoryCommittedOffsetStore(),
            TimeProvider.System,
            (topic, partition) => broker.Topics.Find(topic)?.Partition(partition) is not null,
            broker.LoggerFactory.CreateLogger<GroupCoordinator>());
        broker.Topics.TopicDeleted += topic => coordinator.OnTopicDeleted(topic.Name);
        return coordinator;
    }

    public Task<JoinGroupOutcome> JoinGroupAsync(JoinGroupCommand join)
    {
        if (join.GroupId.Length == 0)
        {
            return Task.FromResult(JoinGroupOutcome.Failed(KafkaErrorCode.InvalidGroupId, join.MemberId));
        }

        if (join.SessionTimeout < _minSessionTimeout || join.SessionTimeout > MaxSessionTimeout)
        {
            return Task.FromResult(JoinGroupOutcome.Failed(KafkaErrorCode.InvalidSessionTimeout, join.MemberId));
        }

        // Only a member without an id may create the group; a known id for a group we never saw is stale.
        if (join.MemberId.Length == 0)
        {
            return GetOrCreate(join.GroupId).Join(join);
        }

        return _groups.TryGetValue(join.GroupId, out var group)
            ? group.Join(join)
            : Task.FromResult(JoinGroupOutcome.Failed(KafkaErrorCode.UnknownMemberId, join.MemberId));
    }

    public Task<SyncGroupOutcome> SyncGroupAsync(SyncGroupCommand sync)
    {
        if (sync.GroupId.Length == 0)
        {
            return Task.FromResult(SyncGroupOutcome.Failed(KafkaErrorCode.InvalidGroupId));
        }

        return _groups.TryGetValue(sync.GroupId, out var group)
            ? group.Sync(sync)
            : Task.FromResult(SyncGroupOutcome.Failed(KafkaErrorCode.UnknownMemberId));
    }

    /// <param name="groupInstanceId">A static member's instance id (Heartbeat v3+); a replaced member id with it is fenced.</param>
    public KafkaErrorCode Heartbeat(string groupId, string memberId, int generationId, string? groupInstanceId = null)
    {
        if (groupId.Length == 0)
        {
            return KafkaErrorCode.InvalidGroupId;
        }

        return _groups.TryGetValue(groupId, out var group)
            ? group.Heartbeat(memberId, generationId, groupInstanceId)
            : KafkaErrorCode.UnknownMemberId;
    }

    /// <summary>Removes members; one result per leaving member, in request order.</summary>
    public IReadOnlyList<LeftMember> LeaveGroup(string groupId, IReadOnlyList<LeavingMember> leaving)
    {
        if (groupId.Length == 0)
        {
            return [.. leaving.Select(member => new LeftMember(member.MemberId, member.GroupInstanceId, KafkaErrorCode.InvalidGroupId))];
        }

        return _groups.TryGetValue(groupId, out var group)
            ? group.Leave(leaving)
            : [.. leaving.Select(member => new LeftMember(member.MemberId, member.GroupInstanceId, KafkaErrorCode.UnknownMemberId))];
    }

    /// <summary>Stores offsets; one error per partition, in request order.</summary>
    public IReadOnlyList<KafkaErrorCode> CommitOffsets(OffsetCommitCommand commit)
    {
        if (commit.GroupId.Length == 0)
        {
            return [.. commit.Partitions.Select(_ => KafkaErrorCode.InvalidGroupId)];
        }

        ClassicGroup? group;
        if (commit.GenerationId < 0)
        {
            // A "simple" commit creates the group (Empty) if needed: the group only uses us to store offsets.
            group = GetOrCreate(commit.GroupId);
        }
        else if (!_groups.TryGetValue(commit.GroupId, out group))
        {
            return [.. commit.Partitions.Select(_ => KafkaErrorCode.IllegalGeneration)];
        }

        return group.CommitOffsets(commit, Offsets, _partitionExists);
    }

    /// <summary>
    /// Committed offsets of a group, which need not exist. <paramref name="partitions"/> null means every committed
    /// offset of the group; a partition without a commit answers offset -1.
    /// </summary>
    public IReadOnlyList<FetchedOffset> FetchOffsets(string groupId, IReadOnlyList<TopicPartitionKey>? partitions)
    {
        if (partitions is null)
        {
            return [.. Offsets.GetAll(groupId).Select(entry => ToFetched(entry.Key, entry.Value))];
        }

        return [.. partitions.Select(partition => Offsets.TryGet(groupId, partition, out var committed)
            ? ToFetched(partition, committed)
            : new FetchedOffset(partition.Topic, partition.Partition, -1, -1, ""))];
    }

    /// <summary>DescribeGroups for one group; an unknown group is Dead with no members, as Kafka answers.</summary>
    public GroupDescription DescribeGroup(string groupId) =>
        _groups.TryGetValue(groupId, out var group)
            ? group.Describe()
            : new GroupDescription(groupId, nameof(ClassicGroupState.Dead), "", "", []);

    /// <summary>ListGroups: every group, filtered by state and type names (case-insensitive; empty means all).</summary>
    public IReadOnlyList<GroupListing> ListGroups(IReadOnlyCollection<string> statesFilter, IReadOnlyCollection<string> typesFilter) =>
        [.. _groups.Values
            .Select(group => group.Listing())
            .Where(listing => statesFilter.Count == 0 || statesFilter.Contains(listing.State, StringComparer.OrdinalIgnoreCase))
            .Where(listing => typesFilter.Count == 0 || typesFilter.Contains(listing.Type, StringComparer.OrdinalIgnoreCase))
            .OrderBy(listing => listing.GroupId, StringComparer.Ordinal)];

    /// <summary>Drops every group's committed offsets for a deleted topic (Kafka does; kfake PR 1411).</summary>
    public void OnTopicDeleted(string topic) => Offsets.DeleteTopic(topic);

    public void Dispose()
    {
        foreach (var group in _groups.Values)
        {
            group.Dispose();
        }

        (Offsets as IDisposable)?.Dispose();
    }

    /// <summary>The broker disposes components asynchronously; stopping timers and answering parked requests is quick.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private ClassicGroup GetOrCreate(string groupId)
    {
        if (_groups.TryGetValue(groupId, out var group))
        {
            return group;
        }

        // Under a lock so a race never creates (and leaks the timer of) a second group object.
        lock (_createLock)
        {
            return _groups.GetOrAdd(groupId, static (id, state) => new ClassicGroup(id, state._time, state._logger), this);
        }
    }

    private static FetchedOffset ToFetched(TopicPartitionKey partition, CommittedOffset committed) =>
        new(partition.Topic, partition.Partition, committed.Offset, committed.LeaderEpoch, committed.Metadata);
}
