namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>A member of a <see cref="ClassicGroup"/>. Mutated only under the group's lock.</summary>
internal sealed class GroupMember(string memberId, JoinGroupCommand join)
{
    /// <summary>Changes only when a static member rejoins under a new id and takes this member's place (KIP-345).</summary>
    public string MemberId { get; set; } = memberId;

    public string? GroupInstanceId { get; } = join.GroupInstanceId;

    public string ClientId { get; private set; } = join.ClientId;

    public string ClientHost { get; private set; } = join.ClientHost;

    public TimeSpan SessionTimeout { get; private set; } = join.SessionTimeout;

    public TimeSpan RebalanceTimeout { get; private set; } = join.RebalanceTimeout;

    public IReadOnlyList<GroupProtocol> Protocols { get; private set; } = join.Protocols;

    /// <summary>What the leader assigned in the current generation; empty until then.</summary>
    public byte[] Assignment { get; set; } = [];

    /// <summary>When the member is removed unless it heartbeats (or commits) again, on the group's monotonic clock.</summary>
    public TimeSpan SessionDeadline { get; set; }

    /// <summary>A parked JoinGroup, answered when the join phase completes.</summary>
    public TaskCompletionSource<JoinGroupOutcome>? JoinWaiter { get; set; }

    /// <summary>A parked SyncGroup, answered when the leader's assignments arrive.</summary>
    public TaskCompletionSource<SyncGroupOutcome>? SyncWaiter { get; set; }

    public bool IsAwaitingJoin => JoinWaiter is not null;

    public bool IsAwaitingSync => SyncWaiter is not null;

    public void Update(JoinGroupCommand join)
    {
        ClientId = join.ClientId;
        ClientHost = join.ClientHost;
        SessionTimeout = join.SessionTimeout;
        RebalanceTimeout = join.RebalanceTimeout;
        Protocols = join.Protocols;
    }

    /// <summary>Same protocols, in the same order, with the same metadata bytes (Kafka's <c>matches</c>).</summary>
    public bool Matches(IReadOnlyList<GroupProtocol> protocols) =>
        protocols.Count == Protocols.Count
        && protocols.Zip(Protocols).All(pair =>
            pair.First.Name == pair.Second.Name && pair.First.Metadata.AsSpan().SequenceEqual(pair.Second.Metadata));

    public byte[] MetadataFor(string protocolName) =>
        Protocols.FirstOrDefault(protocol => protocol.Name == protocolName)?.Metadata ?? [];

    public void CompleteJoin(JoinGroupOutcome outcome)
    {
        JoinWaiter?.TrySetResult(outcome);
        JoinWaiter = null;
    }

    public void CompleteSync(SyncGroupOutcome outcome)
    {
        SyncWaiter?.TrySetResult(outcome);
        SyncWaiter = null;
    }
}
