namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// A DescribeGroups entry. As in Kafka, <see cref="ProtocolData"/> and the members' metadata and assignment bytes
/// are filled only while the group is Stable; an unknown group is described as Dead with no members.
/// </summary>
internal sealed record GroupDescription(
    string GroupId,
    string State,
    string ProtocolType,
    string ProtocolData,
    IReadOnlyList<DescribedMember> Members);

/// <summary>A member in DescribeGroups; metadata and assignment are the raw bytes as received.</summary>
internal sealed record DescribedMember(
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    byte[] Metadata,
    byte[] Assignment);
