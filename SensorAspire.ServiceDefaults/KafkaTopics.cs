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
        using var admin = new AdminClientBuilder(KafkaHealthCheck.ConnectionSettingsOf(clientConfig)).Build();
        var delay = TimeSpan.FromMilliseconds(200);
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
                // The broker may still be starting (the AppHost waits for it, plain runs may not): back off and retry.
                TopicCreationRetry(logger, ex.Message, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    /// <summary>
    /// Returns once <paramref name="topic"/> exists with at least one partition, retrying until
    /// <paramref name="cancellationToken"/> fires; for a service that writes a topic another service owns. Asks for the
    /// metadata of every topic, because asking for one by name lets a broker auto-create it with default settings.
    /// </summary>
    public static async Task WaitForAsync(ClientConfig clientConfig, string topic, string owner, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientConfig);
        using var admin = new AdminClientBuilder(KafkaHealthCheck.ConnectionSettingsOf(clientConfig)).Build();
        // Short, because the owner usually creates the topic within a second of this service starting and each look is
        // one metadata request; capped low, because the wait between looks is start-up time the user sees.
        var delay = TimeSpan.FromMilliseconds(50);
        var logged = false;
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
                MetadataRetry(logger, ex.Message, delay);
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

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Creating Kafka topics failed ({Reason}); retrying in {Delay}")]
    private static partial void TopicCreationRetry(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Reading Kafka metadata failed ({Reason}); retrying in {Delay}")]
    private static partial void MetadataRetry(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Waiting for topic {Topic} to exist ({Owner} creates it)")]
    private static partial void WaitingForTopic(ILogger logger, string topic, string owner);
}
