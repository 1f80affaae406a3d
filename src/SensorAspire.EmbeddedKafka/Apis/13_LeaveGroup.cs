// LeaveGroup (key 13), versions 0-1.
//
// Behaviour:
// - Removes the member at once (Confluent.Kafka and kcat send it from Close()); the others rebalance, or the group
//   becomes Empty at the next generation if it was the last member. Committed offsets stay.
// - Unknown group or member: UNKNOWN_MEMBER_ID (25).
//
// Not implemented: v3+ (batched members with per-member errors, KIP-345) and v4+ (flexible); librdkafka uses v1.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class LeaveGroupApi(BrokerState broker) : ApiHandler<LeaveGroupRequest, LeaveGroupResponse>(ApiMessageCatalog.LeaveGroup, 0, 1)
{
    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override ValueTask<LeaveGroupResponse?> HandleAsync(RequestContext context, LeaveGroupRequest request)
    {
        var left = _groups.LeaveGroup(request.GroupId, [new LeavingMember(request.MemberId, null)]);
        return new(new LeaveGroupResponse { ErrorCode = left[0].Error });
    }
}
