namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>A JoinGroup request in the coordinator's terms, independent of the wire version.</summary>
/// <param name="RequireKnownMemberId">True from JoinGroup v4 on: a member without an id is told its id first (KIP-394).</param>
internal sealed record JoinGroupCommand(
    string GroupId,
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    TimeSpan SessionTimeout,
    TimeSpan RebalanceTimeout,
    string ProtocolType,
    IReadOnlyList<GroupProtocol> Protocols,
    bool RequireKnownMemberId);
