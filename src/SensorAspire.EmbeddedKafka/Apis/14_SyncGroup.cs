// SyncGroup (key 14), versions 0-3.
//
// Behaviour:
// - The leader's request carries every member's assignment; it moves the group to Stable and answers every member
//   parked here. Followers that arrive first park until then; after it they get their stored assignment at once.
// - A member the leader left out gets empty bytes, never a missing field (nisshi issue 679).
// - Checks in Kafka's order: unknown member UNKNOWN_MEMBER_ID (25), wrong generation ILLEGAL_GENERATION (22),
//   group rebalancing REBALANCE_IN_PROGRESS (27). A new rebalance answers parked followers with 27.
// - If the leader's SyncGroup does not arrive within the rebalance timeout, members that never synced are removed.
// - v3+ GroupInstanceId (KIP-345): a replaced static member id is FENCED_INSTANCE_ID (82). A static member that
//   rejoined a Stable group after a restart is answered as a follower and gets its previous assignment here.
//
// Not implemented: v4+ (flexible; v5 ProtocolType/Name checks), which librdkafka does not use.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class SyncGroupApi(BrokerState broker) : ApiHandler<SyncGroupRequest, SyncGroupResponse>(ApiMessageCatalog.SyncGroup, 0, 3)
{
    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override async ValueTask<SyncGroupResponse?> HandleAsync(RequestContext context, SyncGroupRequest request)
    {
        var outcome = await _groups.SyncGroupAsync(new SyncGroupCommand(
                request.GroupId,
                request.GenerationId,
                request.MemberId,
                request.GroupInstanceId,
                ProtocolType: null,
                ProtocolName: null,
                [.. request.Assignments.Select(assignment => new MemberAssignment(assignment.MemberId, assignment.Assignment))]))
            .WaitAsync(context.Aborted);

        return new SyncGroupResponse { ErrorCode = outcome.Error, Assignment = outcome.Assignment };
    }
}
