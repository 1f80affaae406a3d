namespace SensorAspire.Aggregator.Windows;

/// <summary>What <see cref="SensorWindow.Add"/> did with a reading.</summary>
internal enum WindowChange
{
    /// <summary>The reading is the newest and went to the end.</summary>
    Appended,

    /// <summary>The reading arrived late and was inserted at its timestamp position.</summary>
    Inserted,

    /// <summary>The window is full and the reading is older than all of it; the window is unchanged.</summary>
    DiscardedTooOld,
}
