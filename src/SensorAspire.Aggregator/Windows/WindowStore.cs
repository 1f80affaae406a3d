using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using SensorAspire.Contracts;

namespace SensorAspire.Aggregator.Windows;

/// <summary>
/// Every sensor window this aggregator instance holds, and the sensors changed since the last publish.
/// Used from the consume loop's thread only (rebalance callbacks run on it too); <see cref="Count"/> is read by a gauge.
/// </summary>
/// <remarks>
/// Struct-of-arrays: a sensor is a slot number. Its samples, count and source position live in blocks shared by a few
/// thousand sensors (about 1 MB each), so a sensor costs its samples (16 bytes × window size), 24 bytes of state, its
/// id string and 8-16 bytes of index: about 270 bytes for a window of 12, and no objects of its own beyond the id.
/// Trace state exists only for sensors with a pending update (<see cref="PendingUpdate"/>). See docs/pipeline.md, "Memory".
/// </remarks>
internal sealed class WindowStore
{
    private const int SamplesPerBlock = 64 * 1024;

    private readonly List<Block> _blocks = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly List<string> _topics = [];
    private readonly int _windowSize;
    private readonly int _blockShift;
    private readonly int _blockMask;
    private SensorIndex _index;
    private PendingUpdate[] _pending = new PendingUpdate[64];
    private int _pendingCount;
    private int _nextSlot;

    public WindowStore(IOptions<AggregatorOptions> options)
    {
        _windowSize = options.Value.WindowSize;
        var sensorsPerBlock = BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, SamplesPerBlock / _windowSize));
        _blockShift = BitOperations.Log2(sensorsPerBlock);
        _blockMask = (int)sensorsPerBlock - 1;
        _index = new SensorIndex(1024);
    }

    public int Count => _index.Count;

    /// <summary>Sensors with readings applied since the last publish, in the order they first changed.</summary>
    public ReadOnlySpan<PendingUpdate> Pending => _pending.AsSpan(0, _pendingCount);

    public int PendingCount => _pendingCount;

    public string SensorId(int slot) => BlockOf(slot).Ids[slot & _blockMask]!;

    /// <summary>
    /// Applies one reading consumed at (topic, partition, offset), remembering <paramref name="trace"/> for the
    /// update when the window changed. Returns null when it was applied already (a replay after restart), otherwise
    /// what the window did with it.
    /// </summary>
    public WindowChange? Apply(string sensorId, long utcTicks, double value, string topic, int partition, long offset, Activity? trace, out int slot)
    {
        slot = GetOrAdd(sensorId);
        ref var state = ref StateOf(slot);
        var topicId = TopicId(topic);
        if (offset <= state.SourceOffset && state.SourcePartition == partition && state.SourceTopicId == topicId)
        {
            return null;
        }

        var change = WindowOf(slot).Add(utcTicks, value);
        state.SourceTopicId = topicId;
        state.SourcePartition = partition;
        state.SourceOffset = offset;
        if (change != WindowChange.DiscardedTooOld)
        {
            if (state.PendingIndex == 0)
            {
                if (_pendingCount == _pending.Length)
                {
                    Array.Resize(ref _pending, _pending.Length * 2);
                }

                _pending[_pendingCount++] = new PendingUpdate(slot, utcTicks);
                state.PendingIndex = _pendingCount;
            }

            _pending[state.PendingIndex - 1].AddTrace(trace);
        }

        return change;
    }

    /// <summary>Loads a window published earlier (from the compacted windows topic).</summary>
    public void Restore(WindowUpdated update)
    {
        var slot = GetOrAdd(update.SensorId);
        WindowOf(slot).Reset(update.Points);
        ref var state = ref StateOf(slot);
        state.SourceTopicId = TopicId(update.Source.Topic);
        state.SourcePartition = update.Source.Partition;
        state.SourceOffset = update.Source.Offset;
    }

    /// <summary>
    /// Forgets the windows whose input partition (topic, partition) matches <paramref name="predicate"/>; topic is null
    /// for a window that has no input position yet. Used for partitions given away.
    /// </summary>
    public void RemoveWhere(Func<string?, int, bool> predicate)
    {
        var removed = 0;
        for (var slot = 0; slot < _nextSlot; slot++)
        {
            ref var state = ref StateOf(slot);
            ref var id = ref BlockOf(slot).Ids[slot & _blockMask];
            if (id is not null && predicate(TopicName(state.SourceTopicId), state.SourcePartition))
            {
                id = null;
                state = default;
                _freeSlots.Push(slot);
                removed++;
            }
        }

        if (removed == 0)
        {
            return;
        }

        RebuildIndex(_index.Capacity);

        // Keep the pending updates of the sensors still held, in order.
        var kept = 0;
        for (var i = 0; i < _pendingCount; i++)
        {
            ref var state = ref StateOf(_pending[i].Slot);
            if (state.PendingIndex != 0)
            {
                _pending[kept] = _pending[i];
                state.PendingIndex = ++kept;
            }
        }

        Array.Clear(_pending, kept, _pendingCount - kept);
        _pendingCount = kept;
    }

    /// <summary>Builds the message for a sensor's current window.</summary>
    public WindowUpdated ToMessage(int slot, DateTimeOffset publishedAt)
    {
        var window = WindowOf(slot);
        ref var state = ref StateOf(slot);
        return new(SensorId(slot), window.ToPoints(), window.ToStats(),
            new SourcePosition(TopicName(state.SourceTopicId) ?? "", state.SourcePartition, state.SourceOffset), publishedAt);
    }

    /// <summary>Empties the pending list after the updates were handed to the producer.</summary>
    public void ClearPending()
    {
        foreach (ref var pending in _pending.AsSpan(0, _pendingCount))
        {
            StateOf(pending.Slot).PendingIndex = 0;
            pending = default;
        }

        _pendingCount = 0;
    }

    private int GetOrAdd(string sensorId)
    {
        var hash = sensorId.GetHashCode(StringComparison.Ordinal);
        ref var entry = ref _index.Find(hash, sensorId, this);
        if (entry.SlotPlusOne != 0)
        {
            return entry.SlotPlusOne - 1;
        }

        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : _nextSlot++;
        if (slot >> _blockShift == _blocks.Count)
        {
            _blocks.Add(new Block(_blockMask + 1, _windowSize));
        }

        BlockOf(slot).Ids[slot & _blockMask] = sensorId;
        entry = new IndexEntry(hash, slot + 1);
        if (_index.Added())
        {
            RebuildIndex(_index.Capacity * 2);
        }

        return slot;
    }

    private void RebuildIndex(int capacity)
    {
        _index = new SensorIndex(capacity);
        for (var slot = 0; slot < _nextSlot; slot++)
        {
            if (BlockOf(slot).Ids[slot & _blockMask] is { } id)
            {
                var hash = id.GetHashCode(StringComparison.Ordinal);
                _index.Find(hash, id, this) = new IndexEntry(hash, slot + 1);
                _index.Added();
            }
        }
    }

    private SensorWindow WindowOf(int slot)
    {
        var block = BlockOf(slot);
        var i = slot & _blockMask;
        return new SensorWindow(block.Samples.AsSpan(i * _windowSize, _windowSize), ref block.States[i].Count);
    }

    private ref SlotState StateOf(int slot) => ref BlockOf(slot).States[slot & _blockMask];

    private Block BlockOf(int slot) => _blocks[slot >> _blockShift];

    // Source topics are few (readings and the tutorial's topic): a slot keeps a small id instead of a reference.
    private int TopicId(string topic)
    {
        for (var i = 0; i < _topics.Count; i++)
        {
            if (string.Equals(_topics[i], topic, StringComparison.Ordinal))
            {
                return i + 1;
            }
        }

        _topics.Add(topic);
        return _topics.Count;
    }

    private string? TopicName(int topicId) => topicId == 0 ? null : _topics[topicId - 1];

    /// <summary>
    /// Sensor id → slot: open addressing with linear probing over a power-of-two table of (hash, slot + 1) pairs,
    /// kept at most three-quarters full. 8 bytes an entry, where <c>Dictionary&lt;string, int&gt;</c> takes 24 plus a
    /// bucket and leaves its outgrown arrays on the large object heap. Ids are compared in the blocks they live in.
    /// </summary>
    private struct SensorIndex(int capacity)
    {
        private readonly IndexEntry[] _entries = new IndexEntry[capacity];

        public int Count { get; private set; }

        public readonly int Capacity => _entries.Length;

        /// <summary>The entry for <paramref name="sensorId"/>, or the empty entry where it belongs.</summary>
        public readonly ref IndexEntry Find(int hash, string sensorId, WindowStore store)
        {
            var mask = _entries.Length - 1;
            for (var i = hash & mask; ; i = (i + 1) & mask)
            {
                ref var entry = ref _entries[i];
                if (entry.SlotPlusOne == 0
                    || (entry.Hash == hash && string.Equals(store.SensorId(entry.SlotPlusOne - 1), sensorId, StringComparison.Ordinal)))
                {
                    return ref entry;
                }
            }
        }

        /// <summary>Counts an entry filled in after <see cref="Find"/>; true when the table should grow.</summary>
        public bool Added() => ++Count * 4 > _entries.Length * 3;
    }

    private readonly record struct IndexEntry(int Hash, int SlotPlusOne);

    /// <summary>Storage for a power-of-two run of slots.</summary>
    private sealed class Block(int sensors, int windowSize)
    {
        public WindowSample[] Samples { get; } = new WindowSample[sensors * windowSize];

        public SlotState[] States { get; } = new SlotState[sensors];

        public string?[] Ids { get; } = new string?[sensors];
    }

    /// <summary>A slot's window count and input position (24 bytes).</summary>
    private struct SlotState
    {
        public int Count;

        /// <summary>Index into the topic table + 1; 0 when no reading was applied or restored.</summary>
        public int SourceTopicId;

        public int SourcePartition;

        /// <summary>Index into the pending list + 1; 0 when no update is pending.</summary>
        public int PendingIndex;

        /// <summary>Offset of the last applied reading.</summary>
        public long SourceOffset;
    }
}
