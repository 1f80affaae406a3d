namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// Kafka's <c>ClassicGroupState</c>. The names are part of the protocol: DescribeGroups and ListGroups send them
/// as strings, so they must stay exactly as Kafka spells them.
/// </summary>
internal enum ClassicGroupState
{
    /// <summary>No members; the group may still hold committed offsets.</summary>
    Empty,

    /// <summary>Collecting JoinGroup requests; members learn of it from Heartbeat REBALANCE_IN_PROGRESS.</summary>
    PreparingRebalance,

    /// <summary>JoinGroup answered; waiting for the leader's SyncGroup with the assignments.</summary>
    CompletingRebalance,

    /// <summary>Assignments distributed.</summary>
    Stable,

    /// <summary>Being removed (only while the broker shuts down).</summary>
    Dead,
}
