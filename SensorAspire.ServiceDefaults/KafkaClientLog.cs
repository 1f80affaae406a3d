using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Forwards librdkafka log lines to <see cref="ILogger"/>, except that Kafka being unreachable is said once per outage
/// for all of a service's clients (<see cref="KafkaConnectionNotices"/>): librdkafka says it per client and per attempt
/// ("Connect to ... failed: Connection refused", "1/1 brokers are down", "reports different ClusterId"), and reconnects
/// by itself. The repeats stay available at Debug.
/// </summary>
internal static partial class KafkaClientLog
{
    public static void Write(ILogger logger, LogMessage message, KafkaConnectionNotices notices)
    {
        var level = (LogLevel)message.LevelAs(LogLevelType.MicrosoftExtensionsLogging);
        if (level >= LogLevel.Warning && IsConnectionTrouble(message))
        {
            if (notices.TryStartNotice())
            {
                KafkaUnreachable(logger, message.Message, (int)KafkaConnectionNotices.Quiet.TotalSeconds);
            }
            else
            {
                LibrdkafkaLine(logger, LogLevel.Debug, message.Name, message.Facility, message.Message);
            }

            return;
        }

        LibrdkafkaLine(logger, level, message.Name, message.Facility, message.Message);
    }

    /// <summary>Builds an admin client whose librdkafka log goes to <paramref name="logger"/> (none: librdkafka's default).</summary>
    public static IAdminClient Build(AdminClientBuilder builder, ILogger? logger, KafkaConnectionNotices? notices)
    {
        if (logger is not null)
        {
            var shared = notices ?? new KafkaConnectionNotices(TimeProvider.System);
            builder.SetLogHandler((_, message) => Write(logger, message, shared));
        }

        return builder.Build();
    }

    // What librdkafka logs while a broker is down or after it came back as another cluster (its own wording, 2.x).
    private static bool IsConnectionTrouble(LogMessage message)
        => message.Facility == "CLUSTERID"
            || message.Message.Contains("Connection refused", StringComparison.Ordinal)
            || message.Message.Contains("brokers are down", StringComparison.Ordinal)
            || message.Message.Contains("Disconnected", StringComparison.Ordinal)
            || message.Message.Contains("Connect to ", StringComparison.Ordinal);

    [LoggerMessage(EventId = 1, Message = "{ClientName} {Facility}: {KafkaMessage}")]
    private static partial void LibrdkafkaLine(ILogger logger, LogLevel level, string clientName, string facility, string kafkaMessage);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "A Kafka log or statistics handler was already set by configureBuilder; the default one is skipped")]
    public static partial void HandlerAlreadySet(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Kafka cannot be reached ({KafkaMessage}); the clients keep trying by themselves, at least once a second. Their further connection messages go to Debug for {QuietSeconds} s")]
    private static partial void KafkaUnreachable(ILogger logger, string kafkaMessage, int quietSeconds);
}
