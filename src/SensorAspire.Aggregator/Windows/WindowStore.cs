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
/// Trace state exists only for sensors changed since the last publish (<see cref="ChangedSensor"/>). See docs/pipeline.md, "Memory".
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
    private ChangedSensor[] _changed = new ChangedSensor[64];
    private int _changedCount;
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
    public ReadOnlySpan<ChangedSensor> Changed => _changed.AsSpan(0, _changedCount);

    public int ChangedCount => _changedCount;

    public string SensorId(int slot) => BlockOf(slot).Ids[slot & _blockMask]!;

    /// <summary>
    /// Applies a reading consumed at <paramref name="position"/>, remembering <paramref name="trace"/> for the sensor's
    /// next update when the window changed. A position at or before the last one applied to the sensor's window from
    /// the same input partition is a replay: <see cref="ReadingOutcome.AlreadyApplied"/>, and nothing changes.
    /// </summary>
    public ReadingOutcome Apply(in DecodedReading reading, in SourcePosition position, in ActivityContext trace)
    {
        var slot = GetOrAdd(reading.SensorId);
        ref var state = ref StateOf(slot);
        var topicId = TopicId(position.Topic);
        if (position.Offset <= state.SourceOffset && state.SourcePartition == position.Partition && state.SourceTopicId == topicId)
        {
            return ReadingOutcome.AlreadyApplied;
        }

        var outcome = WindowOf(slot).Add(reading.UtcTicks, reading.Value);
        state.SourceTopicId = topicId;
        state.SourcePartition = position.Partition;
        state.SourceOffset = position.Offset;
        if (outcome != ReadingOutcome.DiscardedTooOld)
        {
            if (state.ChangedIndex == 0)
            {
                if (_changedCount == _changed.Length)
                {
                    Array.Resize(ref _changed, _changed.Length * 2);
                }

                _changed[_changedCount++] = new ChangedSensor(slot, reading.UtcTicks);
                state.ChangedIndex = _changedCount;
            }

            _changed[state.ChangedIndex - 1].AddTrace(trace);
        }

        return outcome;
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
    /// Forgets the windows whose last applied input position matches <paramref name="predicate"/> (its topic is null
    /// for a window that has none yet). Used for partitions given away.
    /// </summary>
    public void RemoveWhere(Func<SourcePosition, bool> predicate)
    {
        var removed = 0;
        for (var slot = 0; slot < _nextSlot; slot++)
        {
            ref var id = ref BlockOf(slot).Ids[slot & _blockMask];
            if (id is not null && predicate(PositionOf(slot)))
            {
                id = null;
                StateOf(slot) = default;
                _freeSlots.Push(slot);
                removed++;
            }
        }

        if (removed == 0)
        {
            return;
        }

        RebuildIndex(_index.Capacity);

        // Keep the changed sensors still held, in order.
        var kept = 0;
        for (var i = 0; i < _changedCount; i++)
        {
            ref var state = ref StateOf(_changed[i].Slot);
            if (state.ChangedIndex != 0)
            {
                _changed[kept] = _changed[i];
                state.ChangedIndex = ++kept;
            }
        }

        Array.Clear(_changed, kept, _changedCount - kept);
        _changedCount = kept;
    }

    /// <summary>Builds the message for a sensor's current window.</summary>
    public WindowUpdated ToMessage(int slot, DateTimeOffset publishedAt)
    {
        var window = WindowOf(slot);
        var position = PositionOf(slot);
        return new(SensorId(slot), window.ToPoints(), window.ToStats(), position with { Topic = position.Topic ?? "" }, publishedAt);
    }

    /// <summary>The message value of <see cref="ToMessage"/>, written straight from the window (no message objects).</summary>
    public byte[] ToUtf8Json(int slot, DateTimeOffset publishedAt, WindowUpdatedWriter writer)
    {
        var window = WindowOf(slot);
        var position = PositionOf(slot);
        writer.Start(SensorId(slot));
        window.WritePoints(writer);
        return writer.Finish(window.ToStats(), position with { Topic = position.Topic ?? "" }, publishedAt);
    }

    /// <summary>Empties the changed list after the updates were handed to the producer.</summary>
    public void ClearChanged()
    {
        foreach (ref var changed in _changed.AsSpan(0, _changedCount))
        {
            StateOf(changed.Slot).ChangedIndex = 0;
            changed = default;
        }

        _changedCount = 0;
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

    private SourcePosition PositionOf(int slot)
    {
        ref var state = ref StateOf(slot);
        return new SourcePosition(TopicName(state.SourceTopicId)!, state.SourcePartition, state.SourceOffset);
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

    /// <summary>A slot's window count and last applied input position, compacted (24 bytes).</summary>
    private struct SlotState
    {
        public int Count;

        /// <summary>Index into the topic table + 1; 0 when no reading was applied or restored.</summary>
        public int SourceTopicId;

        public int SourcePartition;

        /// <summary>Index into the changed list + 1; 0 when the sensor has not changed since the last publish.</summary>
        public int ChangedIndex;

        /// <summary>Offset of the last applied reading.</summary>
        public long SourceOffset;
    }
}
