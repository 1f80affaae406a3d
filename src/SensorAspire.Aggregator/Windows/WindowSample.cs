namespace SensorAspire.Aggregator.Windows;

/// <summary>One reading in a window: its timestamp (UTC ticks) and value. 16 bytes, stored inline in a shared block.</summary>
internal readonly record struct WindowSample(long Ticks, double Value);
