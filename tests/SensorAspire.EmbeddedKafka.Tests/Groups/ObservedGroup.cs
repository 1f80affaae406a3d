namespace SensorAspire.EmbeddedKafka.Tests.Groups;

/// <summary>
/// What the members of a consumer group under test have been assigned and have processed. Consumer threads update it;
/// tests wait for conditions on it, woken by every update instead of polling or sleeping.
/// </summary>
internal sealed class ObservedGroup
{
    private readonly Lock _lock = new();
    private readonly GroupSnapshot _state = new();
    private readonly List<(Func<GroupSnapshot, bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private Exception? _failure;

    public void Update(Action<GroupSnapshot> change)
    {
        lock (_lock)
        {
            change(_state);
            foreach (var waiter in _waiters.Where(waiter => waiter.Condition(_state)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    public T Read<T>(Func<GroupSnapshot, T> read)
    {
        lock (_lock)
        {
            return read(_state);
        }
    }

    public Task WaitUntilAsync(Func<GroupSnapshot, bool> condition)
    {
        lock (_lock)
        {
            if (_failure is not null)
            {
                return Task.FromException(_failure);
            }

            if (condition(_state))
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, done));
            return done.Task;
        }
    }

    /// <summary>A consumer thread failed: every wait fails with its exception instead of timing out.</summary>
    public void Fail(Exception exception)
    {
        lock (_lock)
        {
            _failure = exception;
            foreach (var waiter in _waiters)
            {
                waiter.Done.TrySetException(exception);
            }

            _waiters.Clear();
        }
    }
}

/// <summary>The observed state; read and changed only through <see cref="ObservedGroup"/>.</summary>
internal sealed class GroupSnapshot
{
    /// <summary>Current partitions per running member; a member that closed is removed.</summary>
    public Dictionary<string, HashSet<int>> Assignments { get; } = [];

    public List<ProcessedMessage> Processed { get; } = [];

    public HashSet<string> Unique { get; } = [];

    public int ProcessedCount => Processed.Count;

    /// <summary>Messages whose synchronous commit has returned.</summary>
    public int CommittedCount { get; set; }
}

/// <summary>One message a member processed (and then committed).</summary>
internal sealed record ProcessedMessage(string Consumer, int Partition, long Offset, string Value);
