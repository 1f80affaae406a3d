using System.Diagnostics;

namespace SensorAspire.Aggregator.Windows;

/// <summary>
/// A sensor whose window changed since the last publish, with what its update's send span needs. Kept only until the
/// update is published, so trace state costs nothing for the (many) sensors that are idle in a batch.
/// </summary>
internal struct ChangedSensor(int slot, long firstReadingTicks)
{
    /// <summary>Links kept per coalesced update; beyond this the update links only the newest readings' spans.</summary>
    public const int MaxLinks = 32;

    /// <summary>The sensor's slot in <see cref="WindowStore"/>.</summary>
    public readonly int Slot => slot;

    /// <summary>Timestamp (UTC ticks) of the first reading applied since the last publish, for the latency histogram.</summary>
    public readonly long FirstReadingTicks => firstReadingTicks;

    /// <summary>
    /// Trace context of the newest sampled reading applied, or of the newest reading when none was sampled: the parent
    /// of the update's send span, so with parent-based sampling every sampled reading's trace continues to the chart.
    /// </summary>
    public ActivityContext Parent { get; private set; }

    /// <summary>Links to the trace contexts of the other sampled readings coalesced into the update.</summary>
    public List<ActivityLink>? Links { get; private set; }

    /// <summary>Remembers a reading's trace context so the update's send span continues its trace.</summary>
    public void AddTrace(in ActivityContext reading)
    {
        if (reading == default)
        {
            return;
        }

        if (!IsSampled(reading))
        {
            // Nothing of it is recorded, so nothing to link to; it parents the update only while no sampled reading does.
            if (!IsSampled(Parent))
            {
                Parent = reading;
            }

            return;
        }

        if (IsSampled(Parent))
        {
            Links ??= [];
            if (Links.Count < MaxLinks)
            {
                Links.Add(new ActivityLink(Parent));
            }
        }

        Parent = reading;
    }

    private static bool IsSampled(in ActivityContext context) => (context.TraceFlags & ActivityTraceFlags.Recorded) != 0;
}
