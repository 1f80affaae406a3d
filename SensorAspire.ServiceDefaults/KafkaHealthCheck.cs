using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Healthy when the cluster answers a metadata request with at least one broker. Unlike Aspire's check (Xabaril's,
/// which produces to <c>healthchecks-topic</c> on every probe), it writes nothing to Kafka. With a
/// <paramref name="logger"/>, its client's librdkafka log goes there as the service's other clients' does (an outage is
/// said once for all of them, through <paramref name="notices"/>); without one, librdkafka's default applies.
/// </summary>
public sealed class KafkaHealthCheck(AdminClientConfig config, ILogger? logger = null, KafkaConnectionNotices? notices = null)
    : IHealthCheck, IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(2);
    private readonly Lazy<IAdminClient> _admin = new(() => KafkaClientLog.Build(new AdminClientBuilder(config), logger, notices));

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // GetMetadata blocks on librdkafka; keep it off the caller's thread.
            var metadata = await Task.Run(() => _admin.Value.GetMetadata(s_timeout), cancellationToken).ConfigureAwait(false);
            return metadata.Brokers.Count > 0
                ? HealthCheckResult.Healthy()
                : new HealthCheckResult(context.Registration.FailureStatus, "Kafka returned no brokers.");
        }
        catch (KafkaException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Kafka metadata request failed.", ex);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }

    /// <summary>
    /// Copies only the connection settings (bootstrap servers, security, SASL, SSL, client id, reconnect backoff, topic
    /// auto-creation) of a producer or consumer config, so the admin client does not warn about properties that do not
    /// apply to it; <see cref="KafkaClientDefaults"/> where the config leaves them unset.
    /// </summary>
    public static AdminClientConfig ConnectionSettingsOf(ClientConfig config)
    {
        var admin = new AdminClientConfig { SocketTimeoutMs = (int)s_timeout.TotalMilliseconds };
        foreach (var (key, value) in config)
        {
            if (key is "bootstrap.servers" or "security.protocol" or "client.id" or "reconnect.backoff.max.ms" or "allow.auto.create.topics"
                || key.StartsWith("sasl.", StringComparison.Ordinal)
                || key.StartsWith("ssl.", StringComparison.Ordinal))
            {
                admin.Set(key, value);
            }
        }

        KafkaClientDefaults.Apply(admin);
        return admin;
    }
}
