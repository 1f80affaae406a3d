using System.Data.Common;
using Confluent.Kafka;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Applies an Aspire connection string to a client config: either a bare bootstrap list (<c>localhost:9092</c>, what
/// Aspire.Hosting.Kafka injects) or <c>BootstrapServers=...;SecurityProtocol=...;SaslMechanism=...</c> pairs.
/// </summary>
internal static class KafkaConnectionString
{
    public static void Apply(string? connectionString, ClientConfig config)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }

        if (!connectionString.Contains('=', StringComparison.Ordinal))
        {
            config.BootstrapServers = connectionString;
            return;
        }

        var pairs = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (Get(pairs, "BootstrapServers") is { } bootstrapServers)
        {
            config.BootstrapServers = bootstrapServers;
        }

        if (Get(pairs, "SecurityProtocol") is { } protocol && Enum.TryParse<SecurityProtocol>(protocol, true, out var p))
        {
            config.SecurityProtocol = p;
        }

        if (Get(pairs, "SaslMechanism") is { } mechanism && Enum.TryParse<SaslMechanism>(mechanism, true, out var m))
        {
            config.SaslMechanism = m;
        }

        config.SaslUsername = Get(pairs, "SaslUsername") ?? config.SaslUsername;
        config.SaslPassword = Get(pairs, "SaslPassword") ?? config.SaslPassword;
    }

    private static string? Get(DbConnectionStringBuilder pairs, string key)
        => pairs.TryGetValue(key, out var value) ? value as string : null;
}
