// Heartbeat (key 12), versions 0-3.
//
// Behaviour:
// - Resets the member's session timer. A member that sends none within its SessionTimeoutMs is removed by a timer
//   (no polling) and the others rebalance.
// - REBALANCE_IN_PROGRESS (27) while the group prepares a rebalance: this is how members learn they must rejoin.
// - Unknown group or member UNKNOWN_MEMBER_ID (25); an older generation ILLEGAL_GENERATION (22).
// - v3+ GroupInstanceId (KIP-345): a static member's id that a restarted instance has since replaced is
//   FENCED_INSTANCE_ID (82); librdkafka treats that as fatal for the old consumer.
//
// Not implemented: v4 (flexible), which librdkafka does not use.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class HeartbeatApi(BrokerState broker) : ApiHandler<HeartbeatRequest, HeartbeatResponse>(ApiMessageCatalog.Heartbeat, 0, 3)
{
    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override ValueTask<HeartbeatResponse?> HandleAsync(RequestContext context, HeartbeatRequest request) =>
        new(new HeartbeatResponse { ErrorCode = _groups.Heartbeat(request.GroupId, request.MemberId, request.GenerationId, request.GroupInstanceId) });
}
