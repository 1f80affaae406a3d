using SensorAspire.Testing;
using System.Text;
using Confluent.Kafka;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>
/// Reads a topic from the beginning in the background (its own consumer group) and lets a test wait for a condition
/// over everything received so far.
/// </summary>
internal sealed class TopicWatcher : IAsyncDisposable
{
    private readonly List<ConsumeResult<string, byte[]>> _received = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string _topic;

    public TopicWatcher(string bootstrapServers, string topic)
    {
        _topic = topic;
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"watcher-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 500,
            FetchWaitMaxMs = 100,
            TopicMetadataRefreshIntervalMs = 500,
        };
        _loop = Task.Factory.StartNew(() => Run(config, topic), TaskCreationOptions.LongRunning);
    }

    public List<ConsumeResult<string, byte[]>> Snapshot()
    {
        lock (_received)
        {
            return [.. _received];
        }
    }

    /// <summary>Waits, on every message received, until <paramref name="found"/> returns a value.</summary>
    public Task<T> WaitForAsync<T>(Func<List<ConsumeResult<string, byte[]>>, T?> found)
        where T : class
        => Wait.ForAsync(() => found(Snapshot()), ct => _signal.WaitAsync(ct), $"the expected messages on {_topic}", PipelineScenario.Timeout);

    public static string? Header(ConsumeResult<string, byte[]> result, string key)
        => result.Message.Headers.TryGetLastBytes(key, out var value) ? Encoding.UTF8.GetString(value) : null;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private void Run(ConsumerConfig config, string topic)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        while (!_stop.IsCancellationRequested)
        {
            ConsumeResult<string, byte[]>? result;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            }
            catch (ConsumeException)
            {
                continue; // the topic may not exist yet
            }

            if (result is null)
            {
                continue;
            }

            lock (_received)
            {
                _received.Add(result);
            }

            _signal.Release();
        }

        consumer.Close();
    }
}
