using Confluent.Kafka;

namespace SensorAspire.EmbeddedKafka.Tests.Groups;

/// <summary>
/// Runs named members of one consumer group, each on its own thread (a Confluent consumer is single-threaded). Every
/// member processes a message by recording it in an <see cref="ObservedGroup"/>, then commits it synchronously:
/// "commit after processing", so a partition that moves resumes exactly after the last processed message. With
/// <paramref name="staticMembers"/> every member's name is also its <c>group.instance.id</c> (KIP-345).
/// </summary>
internal sealed class ConsumerGroupRunner(ConsumerConfig config, string topic, ObservedGroup observed, bool staticMembers = false) : IAsyncDisposable
{
    private readonly Dictionary<string, (CancellationTokenSource Stop, Task Loop)> _members = [];

    public void Start(string name)
    {
        var stop = new CancellationTokenSource();
        var loop = Task.Factory.StartNew(
            () => Run(name, stop.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _members.Add(name, (stop, loop));
    }

    /// <summary>Closes one member cleanly (final revoke, then LeaveGroup unless it is static) and waits for its thread.</summary>
    public async Task StopAsync(string name)
    {
        var (stop, loop) = _members[name];
        _members.Remove(name);
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }

    public async ValueTask DisposeAsync() => await Task.WhenAll(_members.Keys.ToList().Select(StopAsync));

    private void Run(string name, CancellationToken stop)
    {
        try
        {
            var memberConfig = new ConsumerConfig(config.ToDictionary(entry => entry.Key, entry => entry.Value)) { ClientId = name };
            if (staticMembers)
            {
                memberConfig.GroupInstanceId = name;
            }

            using var consumer = new ConsumerBuilder<string, string>(memberConfig)
                // Eager assignors revoke everything before assigning; cooperative ones add and revoke increments.
                .SetPartitionsAssignedHandler((_, partitions) => observed.Update(state =>
                {
                    state.Assignments.TryAdd(name, []);
                    state.Assignments[name].UnionWith(partitions.Select(tp => tp.Partition.Value));
                    state.Rebalances.Add(new RebalanceEvent(name, Assigned: true, [.. partitions.Select(tp => tp.Partition.Value).Order()]));
                }))
                .SetPartitionsRevokedHandler((_, partitions) => observed.Update(state =>
                {
                    state.Assignments[name].ExceptWith(partitions.Select(tp => tp.Partition.Value));
                    state.Rebalances.Add(new RebalanceEvent(name, Assigned: false, [.. partitions.Select(tp => tp.Partition.Value).Order()]));
                }))
                .SetErrorHandler((_, error) => TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {error.Code} {error.Reason}"))
                .Build();
            consumer.Subscribe(topic);
            while (!stop.IsCancellationRequested)
            {
                // A short poll so the loop notices its stop signal; Consume returns at once when messages are ready.
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is null)
                {
                    continue;
                }

                observed.Update(state =>
                {
                    state.Processed.Add(new ProcessedMessage(name, result.Partition.Value, result.Offset.Value, result.Message.Value));
                    state.Unique.Add(result.Message.Value);
                });
                consumer.Commit(result);
                observed.Update(state => state.CommittedCount++);
            }

            consumer.Close();
            observed.Update(state => state.Assignments.Remove(name));
        }
        catch (Exception ex)
        {
            observed.Fail(ex);
            throw;
        }
    }
}
