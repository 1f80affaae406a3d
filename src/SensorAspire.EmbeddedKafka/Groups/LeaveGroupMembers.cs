using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>A member named in a LeaveGroup request (v0-2 carry one, v3+ a list).</summary>
internal sealed record LeavingMember(string MemberId, string? GroupInstanceId);

/// <summary>Per-member result of a LeaveGroup, in request order.</summary>
internal sealed record LeftMember(string MemberId, string? GroupInstanceId, KafkaErrorCode Error);
