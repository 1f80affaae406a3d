namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>A SyncGroup request; only the leader's carries assignments.</summary>
internal sealed record SyncGroupCommand(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    string? ProtocolType,
    string? ProtocolName,
    IReadOnlyList<MemberAssignment> Assignments);

/// <summary>The opaque assignment bytes the leader computed for one member.</summary>
internal sealed record MemberAssignment(string MemberId, byte[] Assignment);
