namespace SensorAspire.EmbeddedKafka.Tests.Groups;

/// <summary>
/// What the members of a consumer group under test have been assigned and have processed. Consumer threads update it;
/// tests wait (with <see cref="Wait"/>) for conditions on it, woken by every update instead of polling or sleeping.
/// </summary>
internal sealed class ObservedGroup : IDisposable
{
    private readonly Lock _lock = new();
    private readonly GroupSnapshot _state = new();
    private readonly SemaphoreSlim _changed = new(0);
    private Exception? _failure;

    public void Update(Action<GroupSnapshot> change)
    {
        lock (_lock)
        {
            change(_state);
        }

        _changed.Release();
    }

    public T Read<T>(Func<GroupSnapshot, T> read)
    {
        lock (_lock)
        {
            return read(_state);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; a failed consumer thread fails the wait at once with its exception.</summary>
    public Task WaitUntilAsync(Func<GroupSnapshot, bool> condition, string what) =>
        Wait.ForAsync(
            () =>
            {
                lock (_lock)
                {
                    return _failure is not null ? throw new InvalidOperationException("A group member failed.", _failure)
                        : condition(_state) ? _state : null;
                }
            },
            _changed.WaitAsync,
            what);

    /// <summary>A consumer thread failed: every wait fails with its exception instead of timing out.</summary>
    public void Fail(Exception exception)
    {
        lock (_lock)
        {
            _failure = exception;
        }

        _changed.Release();
    }

    public void Dispose() => _changed.Dispose();
}

/// <summary>The observed state; read and changed only through <see cref="ObservedGroup"/>.</summary>
internal sealed class GroupSnapshot
{
    /// <summary>Current partitions per running member; a member that closed is removed.</summary>
    public Dictionary<string, HashSet<int>> Assignments { get; } = [];

    public List<ProcessedMessage> Processed { get; } = [];

    /// <summary>Every assignment and revocation callback, in order.</summary>
    public List<RebalanceEvent> Rebalances { get; } = [];

    public HashSet<string> Unique { get; } = [];

    public int ProcessedCount => Processed.Count;

    /// <summary>Messages whose synchronous commit has returned.</summary>
    public int CommittedCount { get; set; }
}

/// <summary>One message a member processed (and then committed).</summary>
internal sealed record ProcessedMessage(string Consumer, int Partition, long Offset, string Value);

/// <summary>A member's partitions-assigned (or, with <paramref name="Assigned"/> false, revoked) callback.</summary>
internal sealed record RebalanceEvent(string Consumer, bool Assigned, IReadOnlyList<int> Partitions);
