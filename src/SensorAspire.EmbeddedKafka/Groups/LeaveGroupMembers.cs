using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Groups;

/// <summary>
/// A member named in a LeaveGroup request (v0-2 carry one, v3+ a list). From v3 the member id may be empty when the
/// instance id names a static member; <see cref="Reason"/> (v5+, KIP-800) only goes to the log.
/// </summary>
internal sealed record LeavingMember(string MemberId, string? GroupInstanceId, string? Reason = null);

/// <summary>Per-member result of a LeaveGroup, in request order.</summary>
internal sealed record LeftMember(string MemberId, string? GroupInstanceId, KafkaErrorCode Error);
