using System.Diagnostics;

namespace SensorAspire.Aggregator.Windows;

/// <summary>One sensor's window plus what the aggregator needs to publish it exactly once.</summary>
internal sealed class SensorState(string sensorId, int windowSize)
{
    /// <summary>Links kept per coalesced update; beyond this the update links only the newest readings' spans.</summary>
    public const int MaxLinks = 32;

    public string SensorId { get; } = sensorId;

    public SensorWindow Window { get; } = new(windowSize);

    /// <summary>Input partition of the last applied reading (a sensor's readings all share one partition: key = sensor id).</summary>
    public string? SourceTopic { get; private set; }

    public int SourcePartition { get; private set; }

    /// <summary>Offset of the last applied reading, or -1.</summary>
    public long SourceOffset { get; private set; } = -1;

    /// <summary>True when readings were applied since the last publish.</summary>
    public bool Dirty { get; set; }

    /// <summary>Timestamp (UTC ticks) of the first reading applied since the last publish, for the latency histogram.</summary>
    public long OldestPendingTicks { get; private set; }

    /// <summary>Span context of the newest reading's process span: the parent of the update's send span.</summary>
    public ActivityContext LastProcess { get; private set; }

    /// <summary>Links to the process spans of the readings coalesced into the pending update.</summary>
    public List<ActivityLink>? Links { get; private set; }

    /// <summary>True when the reading at this position is already part of the window (a replay after a restart).</summary>
    public bool HasApplied(string topic, int partition, long offset)
        => offset <= SourceOffset && SourcePartition == partition && string.Equals(SourceTopic, topic, StringComparison.Ordinal);

    /// <summary>Records that the reading at this position went through the window (applied or discarded as too old).</summary>
    public void MarkApplied(string topic, int partition, long offset, long readingTicks, bool changed)
    {
        SourceTopic = topic;
        SourcePartition = partition;
        SourceOffset = offset;
        if (changed && !Dirty)
        {
            Dirty = true;
            OldestPendingTicks = readingTicks;
        }
    }

    /// <summary>Remembers the reading's process span so the update's send span continues its trace.</summary>
    public void AddTrace(Activity? process)
    {
        if (process is null)
        {
            return;
        }

        if (LastProcess != default)
        {
            Links ??= [];
            if (Links.Count < MaxLinks)
            {
                Links.Add(new ActivityLink(LastProcess));
            }
        }

        LastProcess = process.Context;
    }

    /// <summary>Restores the position a published window was built up to.</summary>
    public void RestorePosition(string topic, int partition, long offset)
    {
        SourceTopic = topic;
        SourcePartition = partition;
        SourceOffset = offset;
    }

    /// <summary>Clears the pending-publish state once an update has been handed to the producer.</summary>
    public void MarkPublished()
    {
        Dirty = false;
        OldestPendingTicks = 0;
        LastProcess = default;
        Links = null;
    }
}
