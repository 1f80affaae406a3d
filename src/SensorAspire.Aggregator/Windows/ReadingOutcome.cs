namespace SensorAspire.Aggregator.Windows;

/// <summary>What applying a reading did to its sensor's window.</summary>
internal enum ReadingOutcome
{
    /// <summary>The reading is the newest and went to the end.</summary>
    Appended,

    /// <summary>The reading arrived late and was inserted at its timestamp position.</summary>
    Inserted,

    /// <summary>The window is full and the reading is older than all of it; the window is unchanged.</summary>
    DiscardedTooOld,

    /// <summary>
    /// The reading's input position is at or before the last one applied to the window (a replay after a restart);
    /// the window is unchanged. Only <see cref="WindowStore"/> knows positions, so only it returns this.
    /// </summary>
    AlreadyApplied,
}
