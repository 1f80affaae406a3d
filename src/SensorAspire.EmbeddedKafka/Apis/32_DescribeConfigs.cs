// DescribeConfigs (key 32), versions 0-1.
//
// Behaviour:
// - Topic resources (type 2): every config set at creation (source DYNAMIC_TOPIC_CONFIG 1) plus the defaults for
//   the rest (Kafka's, except segment.bytes, retention.bytes and retention.ms: the broker options) (source DEFAULT_CONFIG 5, IsDefault in v0), filtered by ConfigurationKeys when given. Real entries, never
//   an empty list (librdkafka's read-modify-write AlterConfigs flows rely on them). Unknown topic: 3.
// - Broker resources (type 4, our node id or empty name): a small set of broker defaults.
// - IncludeSynonyms (v1): each entry lists itself as its only synonym.
//
// Not implemented: v2-4 (documentation, config types), other resource types (INVALID_REQUEST 42), AlterConfigs.

using SensorAspire.EmbeddedKafka.Cluster;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

internal sealed class DescribeConfigsApi(BrokerState broker) : ApiHandler<DescribeConfigsRequest, DescribeConfigsResponse>(ApiMessageCatalog.DescribeConfigs, 0, 1)
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte StaticBrokerConfig = 4;
    private const sbyte DefaultConfig = 5;

    protected override ValueTask<DescribeConfigsResponse?> HandleAsync(RequestContext context, DescribeConfigsRequest request)
    {
        var response = new DescribeConfigsResponse();
        foreach (var resource in request.Resources)
        {
            var result = new DescribeConfigsResponse.DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
            response.Results.Add(result);
            IEnumerable<(string Name, string Value, sbyte Source)>? entries = resource.ResourceType switch
            {
                TopicResource => broker.Topics.Find(resource.ResourceName) is { } topic ? TopicEntries(topic, broker.Options) : null,
                BrokerResource => TopicConfigDefaults.BrokerFor(broker.Options).Select(c => (c.Key, c.Value, StaticBrokerConfig)),
                _ => null,
            };
            if (entries is null)
            {
                result.ErrorCode = resource.ResourceType == TopicResource ? KafkaErrorCode.UnknownTopicOrPartition : KafkaErrorCode.InvalidRequest;
                result.ErrorMessage = $"Cannot describe {resource.ResourceName} (resource type {resource.ResourceType}).";
                continue;
            }

            foreach (var (name, value, source) in entries)
            {
                if (resource.ConfigurationKeys is { Count: > 0 } keys && !keys.Contains(name))
                {
                    continue;
                }

                result.Configs.Add(new DescribeConfigsResponse.DescribeConfigsResourceResult
                {
                    Name = name,
                    Value = value,
                    IsDefault = source == DefaultConfig,
                    ConfigSource = source,
                    Synonyms = request.IncludeSynonyms ? [new DescribeConfigsResponse.DescribeConfigsSynonym { Name = name, Value = value, Source = source }] : [],
                });
            }
        }

        return new(response);
    }

    private static IEnumerable<(string Name, string Value, sbyte Source)> TopicEntries(Topic topic, EmbeddedKafkaOptions options)
    {
        foreach (var (name, value) in topic.Configs.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            yield return (name, value, DynamicTopicConfig);
        }

        foreach (var (name, value) in TopicConfigDefaults.For(options))
        {
            if (!topic.Configs.ContainsKey(name))
            {
                yield return (name, value, DefaultConfig);
            }
        }
    }
}
