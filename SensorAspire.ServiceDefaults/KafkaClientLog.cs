using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace SensorAspire.ServiceDefaults;

/// <summary>Forwards librdkafka log lines to <see cref="ILogger"/>.</summary>
internal static partial class KafkaClientLog
{
    public static void Write(ILogger logger, LogMessage message)
        => LibrdkafkaLine(logger, (LogLevel)message.LevelAs(LogLevelType.MicrosoftExtensionsLogging), message.Name, message.Facility, message.Message);

    [LoggerMessage(EventId = 1, Message = "{ClientName} {Facility}: {KafkaMessage}")]
    private static partial void LibrdkafkaLine(ILogger logger, LogLevel level, string clientName, string facility, string kafkaMessage);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "A Kafka log or statistics handler was already set by configureBuilder; the default one is skipped")]
    public static partial void HandlerAlreadySet(ILogger logger);
}
