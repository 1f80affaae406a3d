using SensorAspire.EmbeddedKafka.Protocol;
using Microsoft.Extensions.Logging;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// One classic consumer group: Kafka's <c>ClassicGroup</c> state machine (Empty, PreparingRebalance,
/// CompletingRebalance, Stable, Dead) with members, generations, protocol selection and timeouts.
/// </summary>
/// <remarks>
/// Every public method takes the group's lock, so connections and the timer may call in concurrently. JoinGroup and
/// SyncGroup may have to wait for other members; they return a task that completes when the join or sync phase
/// does, so a parked request never blocks a thread or another connection. One timer per group wakes at the
/// earliest deadline (a member's session, the rebalance timeout, the pending-sync timeout, a KIP-394 pending member);
/// heartbeats only move deadlines later, so they never touch the timer. There is no initial rebalance delay: a join
/// phase completes as soon as every known member has rejoined (kfake skips the delay too).
/// <para>
/// Static membership (KIP-345) follows Kafka's classic coordinator (<c>GroupCoordinator.scala</c>, and
/// <c>GroupMetadataManager</c>'s classic paths in the group-coordinator module): a member with a group instance id that
/// joins without a member id takes over the member its instance id maps to, under a new member id, and the old id is
/// fenced (FENCED_INSTANCE_ID). A static member is not removed when a join phase ends without it; only its session
/// timeout or a LeaveGroup removes it.
/// </para>
/// </remarks>
internal sealed partial class ClassicGroup : IDisposable
{
    /// <summary>Kafka's <c>offset.metadata.max.bytes</c> default.</summary>
    public const int MaxOffsetMetadataLength = 4096;

    private static readonly TimeSpan s_minimumTimerDelay = TimeSpan.FromMilliseconds(1);

    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _timer;

    // Deadlines are measured on the monotonic clock from here, so a wall-clock change never expires a session.
    private readonly long _origin;
    private readonly OrderedDictionary<string, GroupMember> _members = new(StringComparer.Ordinal);

    // KIP-394: ids handed out with MEMBER_ID_REQUIRED, each with the deadline by which the client must rejoin.
    private readonly Dictionary<string, TimeSpan> _pendingMembers = new(StringComparer.Ordinal);

    // Members that got their JoinGroup answer but have not sent SyncGroup yet.
    private readonly HashSet<string> _pendingSync = new(StringComparer.Ordinal);

    // KIP-345: group instance id -> the member id that currently holds it.
    private readonly Dictionary<string, string> _staticMembers = new(StringComparer.Ordinal);

    private TimeSpan _rebalanceDeadline;
    private TimeSpan _syncDeadline;
    private TimeSpan _timerDueAt = TimeSpan.MaxValue;

    public ClassicGroup(string groupId, TimeProvider time, ILogger logger)
    {
        GroupId = groupId;
        _time = time;
        _logger = logger;
        _origin = time.GetTimestamp();
        _timer = time.CreateTimer(
            static state => ((ClassicGroup)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public string GroupId { get; }

    // The rest of the state is private: it is read and changed only under _lock (Describe and Listing copy it out).
    private ClassicGroupState State { get; set; } = ClassicGroupState.Empty;

    /// <summary>0 for a new group, so the first completed join phase is generation 1.</summary>
    private int GenerationId { get; set; }

    /// <summary>Set by the first member; kept when the group empties, as Kafka does (ListGroups still says "consumer").</summary>
    private string? ProtocolType { get; set; }

    private string? ProtocolName { get; set; }

    private string? LeaderId { get; set; }

    public Task<JoinGroupOutcome> Join(JoinGroupCommand join)
    {
        lock (_lock)
        {
            var now = Now();
            if (State == ClassicGroupState.Dead)
            {
                return Answer(JoinGroupOutcome.Failed(KafkaErrorCode.CoordinatorNotAvailable, join.MemberId));
            }

            if (!SupportsProtocols(join))
            {
                return Answer(JoinGroupOutcome.Failed(KafkaErrorCode.InconsistentGroupProtocol, join.MemberId));
            }

            if (join.MemberId.Length == 0)
            {
                return join.GroupInstanceId is { } instanceId && _staticMembers.TryGetValue(instanceId, out var oldMemberId)
                    ? ReplaceStaticMember(oldMemberId, join, now)
                    : JoinNewMember(join, now);
            }

            // KIP-394 pending ids are only handed to dynamic members.
            if (join.GroupInstanceId is null && _pendingMembers.Remove(join.MemberId))
            {
                return AddMemberAndRebalance(join.MemberId, join, now);
            }

            if (ValidateMember(join.MemberId, join.GroupInstanceId) is var error and not KafkaErrorCode.None)
            {
                return Answer(JoinGroupOutcome.Failed(error, join.MemberId));
            }

            var member = _members[join.MemberId];
            return State switch
            {
                ClassicGroupState.PreparingRebalance => UpdateMemberAndRebalance(member, join, now),

                // A member that lost our JoinGroup answer asks again: resend it unless its subscription changed.
                ClassicGroupState.CompletingRebalance when member.Matches(join.Protocols) => Answer(CurrentJoinOutcome(member)),
                ClassicGroupState.CompletingRebalance => UpdateMemberAndRebalance(member, join, now),

                // A follower rejoining with the same subscription gets the current generation; the leader rejoining
                // means it wants a new assignment (e.g. it saw topic metadata change), so that rebalances.
                ClassicGroupState.Stable when member.MemberId != LeaderId && member.Matches(join.Protocols) =>
                    Answer(CurrentJoinOutcome(member)),
                ClassicGroupState.Stable => UpdateMemberAndRebalance(member, join, now),

                _ => Answer(JoinGroupOutcome.Failed(KafkaErrorCode.UnknownMemberId, join.MemberId)),
            };
        }
    }

    public Task<SyncGroupOutcome> Sync(SyncGroupCommand sync)
    {
        lock (_lock)
        {
            var now = Now();
            if (State == ClassicGroupState.Dead)
            {
                return Answer(SyncGroupOutcome.Failed(KafkaErrorCode.CoordinatorNotAvailable));
            }

            if (ValidateMember(sync.MemberId, sync.GroupInstanceId) is var error and not KafkaErrorCode.None)
            {
                return Answer(SyncGroupOutcome.Failed(error));
            }

            var member = _members[sync.MemberId];
            if (sync.GenerationId != GenerationId)
            {
                return Answer(SyncGroupOutcome.Failed(KafkaErrorCode.IllegalGeneration));
            }

            // SyncGroup v5+ names the protocol; it must be the one this generation chose.
            if ((sync.ProtocolType is not null && sync.ProtocolType != ProtocolType)
                || (sync.ProtocolName is not null && sync.ProtocolName != ProtocolName))
            {
                return Answer(SyncGroupOutcome.Failed(KafkaErrorCode.InconsistentGroupProtocol));
            }

            switch (State)
            {
                case ClassicGroupState.PreparingRebalance:
                    return Answer(SyncGroupOutcome.Failed(KafkaErrorCode.RebalanceInProgress));

                case ClassicGroupState.CompletingRebalance:
                    // A repeated SyncGroup from the same member replaces the earlier one.
                    member.CompleteSync(SyncGroupOutcome.Failed(KafkaErrorCode.RebalanceInProgress));
                    var waiter = NewWaiter<SyncGroupOutcome>();
                    member.SyncWaiter = waiter;
                    _pendingSync.Remove(member.MemberId);
                    if (member.MemberId == LeaderId)
                    {
                        ApplyAssignments(sync.Assignments, now);
                    }

                    Reschedule(now);
                    return waiter.Task;

                case ClassicGroupState.Stable:
                    _pendingSync.Remove(member.MemberId);
                    member.SessionDeadline = now + member.SessionTimeout;
                    Reschedule(now);
                    return Answer(new SyncGroupOutcome(KafkaErrorCode.None, ProtocolType, ProtocolName, member.Assignment));

                default:
                    return Answer(SyncGroupOutcome.Failed(KafkaErrorCode.UnknownMemberId));
            }
        }
    }

    /// <summary>Heartbeat: keeps the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.</summary>
    public KafkaErrorCode Heartbeat(string memberId, int generationId, string? groupInstanceId)
    {
        lock (_lock)
        {
            if (State == ClassicGroupState.Dead)
            {
                return KafkaErrorCode.CoordinatorNotAvailable;
            }

            if (ValidateMember(memberId, groupInstanceId) is var error and not KafkaErrorCode.None)
            {
                return error;
            }

            var member = _members[memberId];
            if (generationId != GenerationId)
            {
                return KafkaErrorCode.IllegalGeneration;
            }

            member.SessionDeadline = Now() + member.SessionTimeout;
            return State == ClassicGroupState.PreparingRebalance ? KafkaErrorCode.RebalanceInProgress : KafkaErrorCode.None;
        }
    }

    public IReadOnlyList<LeftMember> Leave(IReadOnlyList<LeavingMember> leaving)
    {
        lock (_lock)
        {
            var now = Now();
            var results = new List<LeftMember>(leaving.Count);
            foreach (var member in leaving)
            {
                results.Add(new LeftMember(member.MemberId, member.GroupInstanceId, LeaveOne(member, now)));
            }

            Reschedule(now);
            return results;
        }
    }

    /// <summary>
    /// Validates an OffsetCommit against the group's state and stores the offsets under the group's lock, so a
    /// commit never interleaves with a generation change. Returns one error per partition, in request order.
    /// </summary>
    public IReadOnlyList<KafkaErrorCode> CommitOffsets(
        OffsetCommitCommand commit, ICommittedOffsetStore store, Func<string, int, bool> partitionExists)
    {
        lock (_lock)
        {
            var now = Now();
            var error = ValidateCommit(commit, now);
            var results = new KafkaErrorCode[commit.Partitions.Count];
            for (var i = 0; i < results.Length; i++)
            {
                var partition = commit.Partitions[i];
                results[i] = error != KafkaErrorCode.None ? error
                    : partition.Metadata?.Length > MaxOffsetMetadataLength ? KafkaErrorCode.OffsetMetadataTooLarge
                    : !partitionExists(partition.Topic, partition.Partition) ? KafkaErrorCode.UnknownTopicOrPartition
                    : KafkaErrorCode.None;
                if (results[i] == KafkaErrorCode.None)
                {
                    store.Commit(
                        GroupId,
                        new TopicPartitionKey(partition.Topic, partition.Partition),
                        new CommittedOffset(
                            partition.Offset,
                            partition.LeaderEpoch,
                            partition.Metadata,
                            partition.CommitTimestampMs ?? _time.GetUtcNow().ToUnixTimeMilliseconds()));
                }
            }

            return results;
        }
    }

    public GroupDescription Describe()
    {
        lock (_lock)
        {
            // Kafka fills the protocol and the members' bytes only once the group is Stable.
            var stable = State == ClassicGroupState.Stable;
            var members = _members.Values
                .Select(member => new DescribedMember(
                    member.MemberId,
                    member.GroupInstanceId,
                    member.ClientId,
                    member.ClientHost,
                    stable ? member.MetadataFor(ProtocolName!) : [],
                    stable ? member.Assignment : []))
                .ToList();
            return new GroupDescription(GroupId, State.ToString(), ProtocolType ?? "", stable ? ProtocolName! : "", members);
        }
    }

    public GroupListing Listing()
    {
        lock (_lock)
        {
            return new GroupListing(GroupId, ProtocolType ?? "", State.ToString(), "classic");
        }
    }

    /// <summary>Marks the group Dead and answers every parked request, so broker shutdown never hangs.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            State = ClassicGroupState.Dead;
            _timer.Dispose();
            foreach (var member in _members.Values)
            {
                member.CompleteJoin(JoinGroupOutcome.Failed(KafkaErrorCode.CoordinatorNotAvailable, member.MemberId));
                member.CompleteSync(SyncGroupOutcome.Failed(KafkaErrorCode.CoordinatorNotAvailable));
            }
        }
    }

    private KafkaErrorCode LeaveOne(LeavingMember leaving, TimeSpan now)
    {
        var (memberId, instanceId, reason) = leaving;
        if (memberId.Length == 0)
        {
            // LeaveGroup v3+ (KIP-345) may name a static member by its instance id alone, as an admin removing it does.
            if (instanceId is null || !_staticMembers.TryGetValue(instanceId, out var currentMemberId))
            {
                return KafkaErrorCode.UnknownMemberId;
            }

            memberId = currentMemberId;
        }
        else if (_pendingMembers.Remove(memberId))
        {
            TryCompleteJoin(now);
            return KafkaErrorCode.None;
        }
        else if (ValidateMember(memberId, instanceId) is var error and not KafkaErrorCode.None)
        {
            return error;
        }

        LogMemberLeft(GroupId, memberId, reason ?? "none given");
        RemoveMembersAndUpdateGroup([_members[memberId]], now);
        return KafkaErrorCode.None;
    }

    private Task<JoinGroupOutcome> JoinNewMember(JoinGroupCommand join, TimeSpan now)
    {
        // Kafka names members "<client id>-<uuid>", static ones "<group instance id>-<uuid>".
        var memberId = $"{join.GroupInstanceId ?? join.ClientId}-{Guid.NewGuid()}";
        if (join.RequireKnownMemberId && join.GroupInstanceId is null)
        {
            // KIP-394: hand out the id first, so a client that retries a lost JoinGroup cannot leave ghost members.
            _pendingMembers[memberId] = now + join.SessionTimeout;
            Reschedule(now);
            return Answer(JoinGroupOutcome.Failed(KafkaErrorCode.MemberIdRequired, memberId));
        }

        return AddMemberAndRebalance(memberId, join, now);
    }

    private Task<JoinGroupOutcome> AddMemberAndRebalance(string memberId, JoinGroupCommand join, TimeSpan now)
    {
        var member = new GroupMember(memberId, join) { SessionDeadline = now + join.SessionTimeout };
        if (_members.Count == 0)
        {
            ProtocolType = join.ProtocolType;
        }

        _members.Add(memberId, member);
        if (join.GroupInstanceId is { } instanceId)
        {
            _staticMembers[instanceId] = memberId;
        }

        LeaderId ??= memberId;
        return ParkJoin(member, now);
    }

    /// <summary>
    /// A static member rejoined without a member id (its process restarted): it takes over the member its instance id
    /// maps to under <paramref name="join"/>'s new id, keeping that member's assignment (Kafka's
    /// <c>updateStaticMemberAndRebalance</c>). The old id is fenced: requests parked under it are answered
    /// FENCED_INSTANCE_ID now, and later ones with the instance id get the same.
    /// </summary>
    private Task<JoinGroupOutcome> ReplaceStaticMember(string oldMemberId, JoinGroupCommand join, TimeSpan now)
    {
        var instanceId = join.GroupInstanceId!;
        var newMemberId = $"{instanceId}-{Guid.NewGuid()}";
        var currentLeader = LeaderId!;
        var member = _members[oldMemberId];
        member.CompleteJoin(JoinGroupOutcome.Failed(KafkaErrorCode.FencedInstanceId, oldMemberId));
        member.CompleteSync(SyncGroupOutcome.Failed(KafkaErrorCode.FencedInstanceId));

        // Same place in the member order, so "the first remaining member" picks the same leader as before.
        member.MemberId = newMemberId;
        _members.SetAt(_members.IndexOf(oldMemberId), newMemberId, member);
        _staticMembers[instanceId] = newMemberId;
        if (LeaderId == oldMemberId)
        {
            LeaderId = newMemberId;
        }

        if (_pendingSync.Remove(oldMemberId))
        {
            _pendingSync.Add(newMemberId);
        }

        member.Update(join);
        member.SessionDeadline = now + member.SessionTimeout;
        LogStaticMemberReplaced(GroupId, instanceId, oldMemberId, newMemberId);

        // In a Stable group nothing rebalances unless the protocol the group would choose changes (Kafka checks only
        // that, not the subscription bytes). The answer names the leader as it was before the replacement: a static
        // leader that restarted then does not see its new id as the leader's, so it does not run an assignment that
        // a Stable group would ignore, and SyncGroup hands it its old assignment like any follower (JoinGroup before
        // v9; v9's SkipAssignment, KIP-814, tells the leader instead).
        if (State == ClassicGroupState.Stable && SelectProtocol() == ProtocolName)
        {
            Reschedule(now);
            return Answer(new JoinGroupOutcome(KafkaErrorCode.None, GenerationId, ProtocolType, ProtocolName, currentLeader, newMemberId, []));
        }

        // Stable with a different protocol, or CompletingRebalance (the leader may be assigning to the old id):
        // rebalance. PreparingRebalance: the member simply counts as rejoined.
        return ParkJoin(member, now);
    }

    private Task<JoinGroupOutcome> UpdateMemberAndRebalance(GroupMember member, JoinGroupCommand join, TimeSpan now)
    {
        member.Update(join);
        return ParkJoin(member, now);
    }

    private Task<JoinGroupOutcome> ParkJoin(GroupMember member, TimeSpan now)
    {
        // A second JoinGroup from the same member (e.g. on a new connection) replaces the first one.
        member.CompleteJoin(JoinGroupOutcome.Failed(KafkaErrorCode.RebalanceInProgress, member.MemberId));
        var waiter = NewWaiter<JoinGroupOutcome>();
        member.JoinWaiter = waiter;
        if (State is ClassicGroupState.Empty or ClassicGroupState.Stable or ClassicGroupState.CompletingRebalance)
        {
            PrepareRebalance(now);
        }

        TryCompleteJoin(now);
        Reschedule(now);
        return waiter.Task;
    }

    private void PrepareRebalance(TimeSpan now)
    {
        if (State == ClassicGroupState.CompletingRebalance)
        {
            // Followers parked in SyncGroup must rejoin; the assignment they were waiting for will never come.
            foreach (var member in _members.Values)
            {
                member.Assignment = [];
                member.CompleteSync(SyncGroupOutcome.Failed(KafkaErrorCode.RebalanceInProgress));
            }
        }

        _pendingSync.Clear();
        State = ClassicGroupState.PreparingRebalance;
        _rebalanceDeadline = now + MaxRebalanceTimeout();
    }

    private void TryCompleteJoin(TimeSpan now)
    {
        if (State == ClassicGroupState.PreparingRebalance
            && _pendingMembers.Count == 0
            && _members.Values.All(member => member.IsAwaitingJoin))
        {
            CompleteJoin(now);
        }
    }

    /// <summary>Ends the join phase: drops members that did not rejoin, starts the next generation, answers the joins.</summary>
    private void CompleteJoin(TimeSpan now)
    {
        // Static members that did not rejoin stay (KIP-345): only their session timeout or a LeaveGroup removes them.
        foreach (var member in _members.Values.Where(member => !member.IsAwaitingJoin && member.GroupInstanceId is null).ToList())
        {
            LogMemberDidNotRejoin(GroupId, member.MemberId);
            RemoveMember(member);
        }

        if (_members.Count > 0 && !_members.Values.Any(member => member.IsAwaitingJoin))
        {
            // Only static members are left and none rejoined: Kafka waits another rebalance timeout rather than form a
            // generation nobody joined; their sessions expire meanwhile unless they come back.
            LogNoMemberRejoined(GroupId);
            _rebalanceDeadline = now + MaxRebalanceTimeout();
            return;
        }

        // A leader that did not rejoin (a static one can still be a member) hands over to one that did.
        if (LeaderId is not null && !_members[LeaderId].IsAwaitingJoin)
        {
            LeaderId = _members.Values.First(member => member.IsAwaitingJoin).MemberId;
        }

        GenerationId++;
        if (_members.Count == 0)
        {
            ProtocolName = null;
            State = ClassicGroupState.Empty;
            LogGroupEmpty(GroupId, GenerationId);
            return;
        }

        ProtocolName = SelectProtocol();
        State = ClassicGroupState.CompletingRebalance;
        LogGenerationFormed(GroupId, GenerationId, _members.Count, ProtocolName, LeaderId!);
        foreach (var member in _members.Values)
        {
            member.SessionDeadline = now + member.SessionTimeout;
            _pendingSync.Add(member.MemberId);
            member.CompleteJoin(CurrentJoinOutcome(member));
        }

        // If the leader's SyncGroup (or any member's) does not arrive within the rebalance timeout, those members go.
        _syncDeadline = now + MaxRebalanceTimeout();
    }

    private void ApplyAssignments(IReadOnlyList<MemberAssignment> assignments, TimeSpan now)
    {
        var byMember = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var assignment in assignments)
        {
            byMember[assignment.MemberId] = assignment.Assignment;
        }

        State = ClassicGroupState.Stable;
        foreach (var member in _members.Values)
        {
            // A member the leader left out gets empty bytes, never a missing field (nisshi issue 679).
            member.Assignment = byMember.GetValueOrDefault(member.MemberId) ?? [];
            if (member.IsAwaitingSync)
            {
                member.SessionDeadline = now + member.SessionTimeout;
                member.CompleteSync(new SyncGroupOutcome(KafkaErrorCode.None, ProtocolType, ProtocolName, member.Assignment));
            }
        }
    }

    /// <summary>
    /// Kafka's <c>selectProtocol</c>: among the protocols every member supports, each member votes for the first in
    /// its own preference order and the most votes win; ties go to the leader's preference.
    /// </summary>
    private string SelectProtocol()
    {
        var leader = _members[LeaderId!];
        var candidates = leader.Protocols
            .Select(protocol => protocol.Name)
            .Where(name => _members.Values.All(member => member.Protocols.Any(protocol => protocol.Name == name)))
            .ToList();
        if (candidates.Count == 0)
        {
            // Unreachable while joins are validated with SupportsProtocols; keep the leader's choice rather than fail.
            return leader.Protocols[0].Name;
        }

        var votes = candidates.ToDictionary(name => name, _ => 0, StringComparer.Ordinal);
        foreach (var member in _members.Values)
        {
            votes[member.Protocols.First(protocol => votes.ContainsKey(protocol.Name)).Name]++;
        }

        return candidates.MaxBy(name => votes[name])!;
    }

    private bool SupportsProtocols(JoinGroupCommand join)
    {
        if (_members.Count == 0)
        {
            return join.ProtocolType.Length > 0 && join.Protocols.Count > 0;
        }

        return join.ProtocolType == ProtocolType
            && join.Protocols.Any(offered =>
                _members.Values.All(member => member.Protocols.Any(protocol => protocol.Name == offered.Name)));
    }

    private JoinGroupOutcome CurrentJoinOutcome(GroupMember member) => new(
        KafkaErrorCode.None,
        GenerationId,
        ProtocolType,
        ProtocolName,
        LeaderId!,
        member.MemberId,
        member.MemberId == LeaderId
            ? [.. _members.Values.Select(other =>
                new JoinedMember(other.MemberId, other.GroupInstanceId, other.MetadataFor(ProtocolName!)))]
            : []);

    private KafkaErrorCode ValidateCommit(OffsetCommitCommand commit, TimeSpan now)
    {
        if (State == ClassicGroupState.Dead)
        {
            return KafkaErrorCode.CoordinatorNotAvailable;
        }

        // A group that only stores offsets (no group management) commits with generation -1.
        if (commit.GenerationId < 0 && State == ClassicGroupState.Empty)
        {
            return KafkaErrorCode.None;
        }

        if (ValidateMember(commit.MemberId, commit.GroupInstanceId) is var error and not KafkaErrorCode.None)
        {
            return error;
        }

        var member = _members[commit.MemberId];
        if (commit.GenerationId != GenerationId)
        {
            return KafkaErrorCode.IllegalGeneration;
        }

        // Allowed while PreparingRebalance (the generation has not moved yet), so members can commit before rejoining.
        if (State == ClassicGroupState.CompletingRebalance)
        {
            return KafkaErrorCode.RebalanceInProgress;
        }

        member.SessionDeadline = now + member.SessionTimeout;
        return KafkaErrorCode.None;
    }

    /// <summary>
    /// Kafka's <c>validateCurrentMember</c>: with a group instance id it must map to this member id, or the id is a
    /// replaced one (FENCED_INSTANCE_ID) or the instance is unknown (UNKNOWN_MEMBER_ID); without one the member id must
    /// be known.
    /// </summary>
    private KafkaErrorCode ValidateMember(string memberId, string? groupInstanceId)
    {
        if (groupInstanceId is not null)
        {
            return !_staticMembers.TryGetValue(groupInstanceId, out var currentMemberId) ? KafkaErrorCode.UnknownMemberId
                : currentMemberId != memberId ? KafkaErrorCode.FencedInstanceId
                : KafkaErrorCode.None;
        }

        return _members.ContainsKey(memberId) ? KafkaErrorCode.None : KafkaErrorCode.UnknownMemberId;
    }

    private void RemoveMembersAndUpdateGroup(IReadOnlyList<GroupMember> members, TimeSpan now)
    {
        foreach (var member in members)
        {
            RemoveMember(member);
        }

        if (State is ClassicGroupState.Stable or ClassicGroupState.CompletingRebalance)
        {
            PrepareRebalance(now);
        }

        TryCompleteJoin(now);
    }

    private void RemoveMember(GroupMember member)
    {
        member.CompleteJoin(JoinGroupOutcome.Failed(KafkaErrorCode.UnknownMemberId, member.MemberId));
        member.CompleteSync(SyncGroupOutcome.Failed(KafkaErrorCode.UnknownMemberId));
        _members.Remove(member.MemberId);
        _pendingSync.Remove(member.MemberId);
        if (member.GroupInstanceId is { } instanceId)
        {
            _staticMembers.Remove(instanceId);
        }

        if (LeaderId == member.MemberId)
        {
            LeaderId = _members.Count > 0 ? _members.GetAt(0).Key : null;
        }
    }

    private TimeSpan MaxRebalanceTimeout() =>
        _members.Count == 0 ? TimeSpan.Zero : _members.Values.Max(member => member.RebalanceTimeout);

    private void OnTimer()
    {
        lock (_lock)
        {
            if (State == ClassicGroupState.Dead)
            {
                return;
            }

            var now = Now();
            _timerDueAt = TimeSpan.MaxValue;

            var expiredPending = _pendingMembers.Where(pending => pending.Value <= now).Select(pending => pending.Key).ToList();
            foreach (var memberId in expiredPending)
            {
                _pendingMembers.Remove(memberId);
            }

            // Members parked in JoinGroup or SyncGroup are bounded by the rebalance timeout, not their session.
            var expired = _members.Values
                .Where(member => !member.IsAwaitingJoin && !member.IsAwaitingSync && member.SessionDeadline <= now)
                .ToList();
            foreach (var member in expired)
            {
                LogSessionExpired(GroupId, member.MemberId, (long)member.SessionTimeout.TotalMilliseconds);
            }

            if (expired.Count > 0 || expiredPending.Count > 0)
            {
                RemoveMembersAndUpdateGroup(expired, now);
            }

            if (State == ClassicGroupState.PreparingRebalance && _rebalanceDeadline <= now)
            {
                CompleteJoin(now);
            }

            if (_pendingSync.Count > 0 && _syncDeadline <= now
                && State is ClassicGroupState.CompletingRebalance or ClassicGroupState.Stable)
            {
                LogSyncTimedOut(GroupId, _pendingSync.Count);
                RemoveMembersAndUpdateGroup([.. _pendingSync.Select(memberId => _members[memberId])], now);
            }

            Reschedule(now);
        }
    }

    /// <summary>Arms the timer for the earliest deadline, unless it is already due no later than that.</summary>
    private void Reschedule(TimeSpan now)
    {
        if (State == ClassicGroupState.Dead)
        {
            return;   // the timer is disposed
        }

        var next = TimeSpan.MaxValue;
        foreach (var deadline in _pendingMembers.Values)
        {
            next = Min(next, deadline);
        }

        foreach (var member in _members.Values)
        {
            if (!member.IsAwaitingJoin && !member.IsAwaitingSync)
            {
                next = Min(next, member.SessionDeadline);
            }
        }

        if (State == ClassicGroupState.PreparingRebalance)
        {
            next = Min(next, _rebalanceDeadline);
        }

        if (_pendingSync.Count > 0)
        {
            next = Min(next, _syncDeadline);
        }

        // A timer due earlier than needed just fires, finds nothing expired and re-arms; cheaper than moving it on
        // every heartbeat.
        if (next >= _timerDueAt)
        {
            return;
        }

        _timerDueAt = next;
        var delay = next - now;
        _timer.Change(delay < s_minimumTimerDelay ? s_minimumTimerDelay : delay, Timeout.InfiniteTimeSpan);
    }

    private TimeSpan Now() => _time.GetElapsedTime(_origin);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TaskCompletionSource<T> NewWaiter<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static Task<T> Answer<T>(T outcome) => Task.FromResult(outcome);

    [LoggerMessage(101, LogLevel.Information, "Group {GroupId} generation {GenerationId}: {MemberCount} members, protocol {Protocol}, leader {LeaderId}")]
    private partial void LogGenerationFormed(string groupId, int generationId, int memberCount, string protocol, string leaderId);

    [LoggerMessage(102, LogLevel.Information, "Group {GroupId} is empty at generation {GenerationId}")]
    private partial void LogGroupEmpty(string groupId, int generationId);

    [LoggerMessage(103, LogLevel.Information, "Group {GroupId} member {MemberId} removed: no heartbeat within its {SessionTimeoutMs} ms session")]
    private partial void LogSessionExpired(string groupId, string memberId, long sessionTimeoutMs);

    [LoggerMessage(104, LogLevel.Information, "Group {GroupId} member {MemberId} removed: did not rejoin within the rebalance timeout")]
    private partial void LogMemberDidNotRejoin(string groupId, string memberId);

    [LoggerMessage(105, LogLevel.Information, "Group {GroupId}: {Count} members did not send SyncGroup within the rebalance timeout and are removed")]
    private partial void LogSyncTimedOut(string groupId, int count);

    [LoggerMessage(106, LogLevel.Debug, "Group {GroupId} member {MemberId} left (reason: {Reason})")]
    private partial void LogMemberLeft(string groupId, string memberId, string reason);

    [LoggerMessage(107, LogLevel.Information, "Group {GroupId} static member {GroupInstanceId} rejoined: member {OldMemberId} is replaced by {MemberId}")]
    private partial void LogStaticMemberReplaced(string groupId, string groupInstanceId, string oldMemberId, string memberId);

    [LoggerMessage(108, LogLevel.Information, "Group {GroupId}: no member rejoined within the rebalance timeout; waiting another rebalance timeout for its static members")]
    private partial void LogNoMemberRejoined(string groupId);
}
