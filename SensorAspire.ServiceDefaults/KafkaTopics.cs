using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace SensorAspire.ServiceDefaults;

/// <summary>Creates topics at service start, idempotently, or waits for a topic another service creates.</summary>
public static partial class KafkaTopics
{
    /// <summary>
    /// Creates <paramref name="topics"/> that do not exist yet (TopicAlreadyExists is success), retrying while the
    /// broker is unreachable until <paramref name="cancellationToken"/> fires.
    /// </summary>
    public static async Task EnsureCreatedAsync(
        ClientConfig clientConfig, IReadOnlyList<TopicSpecification> topics, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        ArgumentNullException.ThrowIfNull(topics);
        using var admin = KafkaClientLog.Build(new AdminClientBuilder(KafkaHealthCheck.ConnectionSettingsOf(clientConfig)), logger, notices: null);
        var delay = TimeSpan.FromMilliseconds(200);
        var retries = 0;
        while (true)
        {
            try
            {
                await admin.CreateTopicsAsync(topics, new CreateTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(10) })
                    .WaitAsync(cancellationToken).ConfigureAwait(false);
                TopicsReady(logger, string.Join(", ", topics.Select(t => t.Name)));
                return;
            }
            catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
            {
                TopicsReady(logger, string.Join(", ", topics.Select(t => t.Name)));
                return;
            }
            catch (CreateTopicsException ex)
            {
                var failures = ex.Results.Where(r => r.Error.Code is not (ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
                    .Select(r => $"{r.Topic}: {r.Error.Reason}");
                throw new InvalidOperationException($"Creating Kafka topics failed: {string.Join("; ", failures)}", ex);
            }
            catch (KafkaException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The broker may still be starting (the AppHost waits for it, plain runs may not): back off and retry,
                // at most a second apart (a broker back is used within a second), saying so once.
                TopicCreationRetry(logger, retries++ == 0 ? LogLevel.Warning : LogLevel.Debug, ex.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1_000));
            }
        }
    }

    /// <summary>
    /// Returns once <paramref name="topic"/> exists with at least one partition, retrying until
    /// <paramref name="cancellationToken"/> fires; for a service that writes a topic another service owns. Asks for the
    /// metadata of every topic, because asking for one by name lets a broker auto-create it with default settings.
    /// <paramref name="logWaiting"/> false leaves saying that it waits to the caller.
    /// </summary>
    public static async Task WaitForAsync(
        ClientConfig clientConfig, string topic, string owner, ILogger logger, CancellationToken cancellationToken, bool logWaiting = true)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        using var admin = KafkaClientLog.Build(new AdminClientBuilder(KafkaHealthCheck.ConnectionSettingsOf(clientConfig)), logger, notices: null);
        // Short, because the owner usually creates the topic within a second of this service starting and each look is
        // one metadata request; capped low, because the wait between looks is start-up time the user sees.
        var delay = TimeSpan.FromMilliseconds(50);
        var logged = !logWaiting;
        var failures = 0;
        while (true)
        {
            try
            {
                var metadata = await Task.Run(() => admin.GetMetadata(TimeSpan.FromSeconds(10)), cancellationToken).ConfigureAwait(false);
                if (metadata.Topics.Any(t => t.Topic == topic && !t.Error.IsError && t.Partitions.Count > 0))
                {
                    return;
                }
            }
            catch (KafkaException ex) when (!cancellationToken.IsCancellationRequested)
            {
                MetadataRetry(logger, failures++ == 0 ? LogLevel.Warning : LogLevel.Debug, ex.Message);
            }

            if (!logged)
            {
                WaitingForTopic(logger, topic, owner);
                logged = true;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Kafka topics ready: {Topics}")]
    private static partial void TopicsReady(ILogger logger, string topics);

    [LoggerMessage(EventId = 11, Message = "Creating Kafka topics failed ({Reason}); retrying until Kafka answers")]
    private static partial void TopicCreationRetry(ILogger logger, LogLevel level, string reason);

    [LoggerMessage(EventId = 13, Message = "Reading Kafka metadata failed ({Reason}); retrying until Kafka answers")]
    private static partial void MetadataRetry(ILogger logger, LogLevel level, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Waiting for topic {Topic} to exist ({Owner} creates it)")]
    private static partial void WaitingForTopic(ILogger logger, string topic, string owner);
}
