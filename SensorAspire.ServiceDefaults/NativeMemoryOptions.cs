using System.ComponentModel.DataAnnotations;

namespace SensorAspire.ServiceDefaults;

/// <summary>How often <see cref="NativeMemoryTrimmer"/> gives the C allocator's free memory back to the OS.</summary>
public sealed class NativeMemoryOptions
{
    public const string SectionName = "NativeMemory";

    /// <summary>
    /// Interval between trims (default 250 ms; longer when a trim is slow, see <see cref="NativeMemoryTrimmer"/>);
    /// <c>00:00:00</c> turns trimming off. Trim durations: docs/pipeline.md, "Memory".
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan TrimInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}
