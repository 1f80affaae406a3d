using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>The answer to a JoinGroup; <see cref="Members"/> is filled for the leader only.</summary>
internal sealed record JoinGroupOutcome(
    KafkaErrorCode Error,
    int GenerationId,
    string? ProtocolType,
    string? ProtocolName,
    string LeaderId,
    string MemberId,
    IReadOnlyList<JoinedMember> Members)
{
    public static JoinGroupOutcome Failed(KafkaErrorCode error, string memberId) =>
        new(error, -1, null, null, "", memberId, []);
}

/// <summary>A member as the leader sees it: its metadata for the chosen protocol.</summary>
internal sealed record JoinedMember(string MemberId, string? GroupInstanceId, byte[] Metadata);
