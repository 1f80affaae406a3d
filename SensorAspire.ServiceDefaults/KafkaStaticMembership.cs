using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Static group membership (KIP-345, JoinGroup v5+): a consumer that names itself with <c>group.instance.id</c> and
/// restarts gets its partitions back as soon as it rejoins, while a consumer without one waits until the group drops
/// its previous incarnation at the end of its session (<c>session.timeout.ms</c>, 45 s by default). The id must stay the
/// same across restarts of one replica and differ between replicas: two consumers with one id fence each other.
/// </summary>
public static class KafkaStaticMembership
{
    /// <summary>
    /// The instance id a replica of <paramref name="serviceName"/> gets unless configuration sets one:
    /// <list type="bullet">
    /// <item>under Aspire, <c>{OTEL_SERVICE_NAME}-{service.instance.id}</c>, the replica's id in
    /// <c>OTEL_RESOURCE_ATTRIBUTES</c>: DCP keeps it when the dashboard stops, starts or restarts the replica and gives
    /// every replica its own (it changes with each run of the AppHost);</item>
    /// <item>in a container (<c>DOTNET_RUNNING_IN_CONTAINER</c>), <c>{service}-{host name}</c>: the container's id under
    /// Docker, the pod's name under Kubernetes, both kept across restarts of that container;</item>
    /// <item>otherwise none (dynamic membership): two copies started by hand on one machine cannot be told apart.</item>
    /// </list>
    /// </summary>
    public static string? DefaultGroupInstanceId(IConfiguration configuration, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var service = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : serviceName;
        if (ServiceInstanceId(configuration["OTEL_RESOURCE_ATTRIBUTES"]) is { } instance)
        {
            return $"{service}-{instance}";
        }

        return string.Equals(configuration["DOTNET_RUNNING_IN_CONTAINER"], "true", StringComparison.OrdinalIgnoreCase)
            ? $"{service}-{Environment.MachineName}"
            : null;
    }

    /// <summary>
    /// Sets <c>group.instance.id</c> to <paramref name="defaultInstanceId"/> where configuration leaves it unset; an
    /// empty configured value turns static membership off.
    /// </summary>
    public static void Apply(ConsumerConfig config, string? defaultInstanceId)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.GroupInstanceId is null)
        {
            config.GroupInstanceId = defaultInstanceId;
        }
        else if (config.GroupInstanceId.Length == 0)
        {
            config.GroupInstanceId = null;
        }
    }

    /// <summary><c>service.instance.id</c> from OpenTelemetry's <c>key=value,...</c> resource attributes (values percent-encoded).</summary>
    internal static string? ServiceInstanceId(string? resourceAttributes)
    {
        foreach (var pair in (resourceAttributes ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            if (separator > 0 && pair[..separator].Trim() == "service.instance.id"
                && Uri.UnescapeDataString(pair[(separator + 1)..].Trim()) is { Length: > 0 } id)
            {
                return id;
            }
        }

        return null;
    }
}
