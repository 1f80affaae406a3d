// ApiVersions (key 18), versions 0-3.
//
// Behaviour:
// - Lists every handler in the ApiRegistry with its MinVersion/MaxVersion: the registry is the only source of truth.
// - v3 is flexible (request header v2), but the response header is always v0 (KIP-511); the connection handles that.
// - A version above 3 gets a v0-format body with UNSUPPORTED_VERSION (35) and the full list, so librdkafka retries
//   with the highest version we support instead of dropping the connection (BrokerConnection does this).
//
// Not implemented: the v3+ tagged feature fields (SupportedFeatures, FinalizedFeatures); v4 (feature-list semantics only).

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class ApiVersionsApi(BrokerState broker) : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>(ApiMessageCatalog.ApiVersions, 0, 3)
{
    protected override ValueTask<ApiVersionsResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request) =>
        new(Build(broker, KafkaErrorCode.None));

    public static ApiVersionsResponse Build(BrokerState broker, KafkaErrorCode errorCode)
    {
        var response = new ApiVersionsResponse { ErrorCode = errorCode };
        foreach (var handler in broker.Apis.Handlers)
        {
            response.ApiKeys.Add(new ApiVersionsResponse.ApiVersion
            {
                ApiKey = handler.ApiKey,
                MinVersion = handler.MinVersion,
                MaxVersion = handler.MaxVersion,
            });
        }

        return response;
    }
}
