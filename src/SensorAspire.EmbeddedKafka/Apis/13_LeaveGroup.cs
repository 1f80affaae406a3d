// LeaveGroup (key 13), versions 0-5.
//
// Behaviour:
// - Removes the member at once (Confluent.Kafka and kcat send it from Close()); the others rebalance, or the group
//   becomes Empty at the next generation if it was the last member. Committed offsets stay.
// - v0-2 name one member; its error is the top-level ErrorCode. Unknown group or member: UNKNOWN_MEMBER_ID (25).
// - v3+ (KIP-345) name a batch of members, each answered in Members with its own error and the top-level error 0.
//   A member may be named by GroupInstanceId alone (empty MemberId), as admin tools remove static members; with both,
//   a member id the instance no longer maps to is FENCED_INSTANCE_ID (82). librdkafka sends no LeaveGroup for a
//   static member that closes (KIP-345: it keeps its place until its session times out, so a restart is seamless).
// - v5 adds a Reason per member (KIP-800), which only goes to the log.
//
// Not implemented: nothing within 0-5; librdkafka uses v1.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class LeaveGroupApi(BrokerState broker) : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>(ApiMessageCatalog.LeaveGroup, 0, 5)
{
    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request)
    {
        // As in Kafka, a request-level error answers v3+ with no member list.
        if (request.GroupId.Length == 0)
        {
            return new(new LeaveGroupResponse { ErrorCode = KafkaErrorCode.InvalidGroupId });
        }

        if (context.ApiVersion < 3)
        {
            var left = _groups.LeaveGroup(request.GroupId, [new LeavingMember(request.MemberId, null)]);
            return new(new LeaveGroupResponse { ErrorCode = left[0].Error });
        }

        var results = _groups.LeaveGroup(
            request.GroupId,
            [.. request.Members.Select(member => new LeavingMember(member.MemberId, member.GroupInstanceId, member.Reason))]);
        var response = new LeaveGroupResponse();
        foreach (var result in results)
        {
            response.Members.Add(new LeaveGroupResponse.MemberResponse
            {
                MemberId = result.MemberId,
                GroupInstanceId = result.GroupInstanceId,
                ErrorCode = result.Error,
            });
        }

        return new(response);
    }
}
