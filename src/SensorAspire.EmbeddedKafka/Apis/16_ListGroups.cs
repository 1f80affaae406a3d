// ListGroups (key 16), versions 0-5.
//
// Behaviour:
// - Every group this node coordinates (all of them): GroupId, ProtocolType ("consumer", or "" for groups that only
//   store offsets, which AdminClient reports as simple consumer groups), GroupState (v4+), GroupType "classic" (v5+).
// - StatesFilter (v4+) and TypesFilter (v5+) match case-insensitively; empty means no filter.
//
// Not implemented: nothing within 0-5 (there are no KIP-848 "consumer" or share groups to list).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Groups;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class ListGroupsApi(BrokerState broker) : ApiHandler<ListGroupsRequest, ListGroupsResponse>(ApiMessageCatalog.ListGroups, 0, 5)
{
    private readonly GroupCoordinator _groups = broker.GetComponent(GroupCoordinator.Create);

    protected override ValueTask<ListGroupsResponse?> HandleAsync(RequestContext context, ListGroupsRequest request)
    {
        var response = new ListGroupsResponse { ErrorCode = KafkaErrorCode.None };
        foreach (var group in _groups.ListGroups(request.StatesFilter, request.TypesFilter))
        {
            response.Groups.Add(new ListGroupsResponse.ListedGroup
            {
                GroupId = group.GroupId,
                ProtocolType = group.ProtocolType,
                GroupState = group.State,
                GroupType = group.Type,
            });
        }

        return new(response);
    }
}
