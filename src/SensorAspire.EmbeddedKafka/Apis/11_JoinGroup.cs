// JoinGroup (key 11), versions 0-5.
//
// Behaviour (GroupCoordinator and ClassicGroup hold the logic; this file only translates):
// - Parks until the join phase completes: at once for the first member of an empty group (no initial rebalance
//   delay), otherwise when every known member has rejoined or the rebalance timeout expires. Parking never blocks
//   other connections; a closed connection or a stopping broker abandons the wait.
// - v4+ with an empty MemberId: MEMBER_ID_REQUIRED (79) with a generated id, and the client rejoins with it (KIP-394).
// - SessionTimeoutMs outside [EmbeddedKafkaOptions.MinSessionTimeout, 30 min]: INVALID_SESSION_TIMEOUT (26).
// - Protocol chosen by vote among those every member supports; the leader (first member to join) gets every
//   member's metadata for it, followers an empty list. ProtocolName is never null (librdkafka rejects that).
//   A protocol name listed twice by one member counts once (the first entry), as in Kafka.
// - v0 has no RebalanceTimeoutMs; as in Kafka the session timeout stands in for it.
// - v5+ static membership (KIP-345, GroupInstanceId): a static member never gets MEMBER_ID_REQUIRED. One that joins
//   without a member id while its instance id is in the group (it restarted) takes that member's place under a new
//   id; the old id is fenced (FENCED_INSTANCE_ID 82, also on a JoinGroup with it). If the group is Stable and the
//   protocol it would choose is unchanged, there is no rebalance: the answer carries the current generation and the
//   leader id as it was before, so even a restarted leader acts as a follower and gets its previous assignment from
//   SyncGroup, as Kafka answers JoinGroup before v9. A static member that does not rejoin a rebalance stays in the
//   group until its session times out or LeaveGroup removes it.
//
// Not implemented: v6+ (flexible, Reason, SkipAssignment), which librdkafka does not use.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class JoinGroupApi(BrokerState broker) : ApiHandler<JoinGroupRequest, JoinGroupResponse>(ApiMessageCatalog.JoinGroup, 0, 5)
{
    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override async ValueTask<JoinGroupResponse?> HandleAsync(RequestContext context, JoinGroupRequest request)
    {
        var rebalanceTimeoutMs = context.ApiVersion >= 1 && request.RebalanceTimeoutMs > 0
            ? request.RebalanceTimeoutMs
            : request.SessionTimeoutMs;
        var outcome = await _groups.JoinGroupAsync(new JoinGroupCommand(
                request.GroupId,
                request.MemberId,
                request.GroupInstanceId,
                context.ClientId ?? "",
                context.ClientHost,
                TimeSpan.FromMilliseconds(request.SessionTimeoutMs),
                TimeSpan.FromMilliseconds(rebalanceTimeoutMs),
                request.ProtocolType,
                // A name listed twice counts once, the first entry winning (as in Kafka): the vote keys on names.
                [.. request.Protocols.DistinctBy(protocol => protocol.Name, StringComparer.Ordinal).Select(protocol => new GroupProtocol(protocol.Name, protocol.Metadata))],
                RequireKnownMemberId: context.ApiVersion >= 4))
            .WaitAsync(context.Aborted);

        var response = new JoinGroupResponse
        {
            ErrorCode = outcome.Error,
            GenerationId = outcome.GenerationId,
            ProtocolType = outcome.ProtocolType,
            ProtocolName = outcome.ProtocolName ?? "",
            Leader = outcome.LeaderId,
            MemberId = outcome.MemberId,
        };
        foreach (var member in outcome.Members)
        {
            response.Members.Add(new JoinGroupResponse.JoinGroupResponseMember
            {
                MemberId = member.MemberId,
                GroupInstanceId = member.GroupInstanceId,
                Metadata = member.Metadata,
            });
        }

        return response;
    }
}
