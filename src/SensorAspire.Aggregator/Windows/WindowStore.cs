using Microsoft.Extensions.Options;
using SensorAspire.Contracts;

namespace SensorAspire.Aggregator.Windows;

/// <summary>
/// Every sensor window this aggregator instance holds, and the sensors changed since the last publish.
/// Used from the consume loop's thread only (rebalance callbacks run on it too); <see cref="Count"/> is read by a gauge.
/// </summary>
internal sealed class WindowStore(IOptions<AggregatorOptions> options)
{
    private readonly Dictionary<string, SensorState> _sensors = new(StringComparer.Ordinal);
    private readonly List<SensorState> _dirty = [];
    private readonly int _windowSize = options.Value.WindowSize;

    public int Count => _sensors.Count;

    /// <summary>Sensors with readings applied since the last publish, in the order they first changed.</summary>
    public IReadOnlyList<SensorState> Dirty => _dirty;

    public bool TryGet(string sensorId, out SensorState state) => _sensors.TryGetValue(sensorId, out state!);

    /// <summary>
    /// Applies one reading consumed at (topic, partition, offset). Returns null when it was applied already
    /// (a replay after restart), otherwise what the window did with it.
    /// </summary>
    public WindowChange? Apply(string sensorId, long utcTicks, double value, string topic, int partition, long offset, out SensorState state)
    {
        state = GetOrAdd(sensorId);
        if (state.HasApplied(topic, partition, offset))
        {
            return null;
        }

        var wasDirty = state.Dirty;
        var change = state.Window.Add(utcTicks, value);
        state.MarkApplied(topic, partition, offset, utcTicks, change != WindowChange.DiscardedTooOld);
        if (!wasDirty && state.Dirty)
        {
            _dirty.Add(state);
        }

        return change;
    }

    /// <summary>Loads a window published earlier (from the compacted windows topic).</summary>
    public void Restore(WindowUpdated update)
    {
        var state = GetOrAdd(update.SensorId);
        state.Window.Reset(update.Points);
        state.RestorePosition(update.Source.Topic, update.Source.Partition, update.Source.Offset);
    }

    /// <summary>Forgets the windows whose input partition matches <paramref name="predicate"/> (partitions given away).</summary>
    public void RemoveWhere(Func<SensorState, bool> predicate)
    {
        foreach (var state in _sensors.Values.Where(predicate).ToList())
        {
            _sensors.Remove(state.SensorId);
            _dirty.Remove(state);
        }
    }

    /// <summary>Builds the message for a sensor's current window.</summary>
    public static WindowUpdated ToMessage(SensorState state, DateTimeOffset publishedAt)
        => new(state.SensorId, state.Window.ToPoints(), state.Window.ToStats(),
            new SourcePosition(state.SourceTopic ?? "", state.SourcePartition, state.SourceOffset), publishedAt);

    /// <summary>Empties the dirty list after the updates were handed to the producer.</summary>
    public void ClearDirty()
    {
        foreach (var state in _dirty)
        {
            state.MarkPublished();
        }

        _dirty.Clear();
    }

    private SensorState GetOrAdd(string sensorId)
    {
        if (!_sensors.TryGetValue(sensorId, out var state))
        {
            state = new SensorState(sensorId, _windowSize);
            _sensors.Add(sensorId, state);
        }

        return state;
    }
}
