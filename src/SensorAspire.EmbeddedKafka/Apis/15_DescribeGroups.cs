// DescribeGroups (key 15), versions 0-5.
//
// Behaviour:
// - State names exactly as Kafka's: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead.
// - ProtocolType "consumer" ("" for groups that only store offsets); ProtocolData is the chosen protocol (assignor)
//   and the members' metadata and assignment bytes are the raw bytes as received, filled only while the group is
//   Stable, as Kafka does. ClientHost looks like "/127.0.0.1".
// - An unknown group is described as Dead with no members and error 0.
// - AuthorizedOperations (v3+): INT32_MIN unless asked for; then READ, DELETE and DESCRIBE, every group operation.
//
// Not implemented: nothing within 0-5.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class DescribeGroupsApi(BrokerState broker) : ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse>(ApiMessageCatalog.DescribeGroups, 0, 5)
{
    /// <summary>Kafka's AclOperation bits for the operations a group supports: READ (3), DELETE (6), DESCRIBE (8).</summary>
    private const int AllGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);

    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override ValueTask<DescribeGroupsResponse?> HandleAsync(RequestContext context, DescribeGroupsRequest request)
    {
        var response = new DescribeGroupsResponse();
        foreach (var groupId in request.Groups)
        {
            var group = _groups.DescribeGroup(groupId);
            var described = new DescribeGroupsResponse.DescribedGroup
            {
                ErrorCode = KafkaErrorCode.None,
                GroupId = group.GroupId,
                GroupState = group.State,
                ProtocolType = group.ProtocolType,
                ProtocolData = group.ProtocolData,
                AuthorizedOperations = request.IncludeAuthorizedOperations ? AllGroupOperations : int.MinValue,
            };
            foreach (var member in group.Members)
            {
                described.Members.Add(new DescribeGroupsResponse.DescribedGroupMember
                {
                    MemberId = member.MemberId,
                    GroupInstanceId = member.GroupInstanceId,
                    ClientId = member.ClientId,
                    ClientHost = member.ClientHost,
                    MemberMetadata = member.Metadata,
                    MemberAssignment = member.Assignment,
                });
            }

            response.Groups.Add(described);
        }

        return new(response);
    }
}
