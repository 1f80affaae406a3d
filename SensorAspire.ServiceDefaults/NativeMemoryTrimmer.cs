using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Every <see cref="NativeMemoryOptions.TrimInterval"/>, asks glibc's allocator to return its free pages to the OS
/// (<c>malloc_trim(0)</c>). librdkafka mallocs and frees every fetch response and produce batch on its own threads;
/// glibc keeps what they free in per-thread arenas, so without this an aggregator's resident memory carries 20-40 MB
/// of freed prefetch and produce buffers (docs/pipeline.md, "Memory"). Does nothing where glibc is not the C library
/// (Windows, macOS, musl-based Alpine images).
/// </summary>
internal sealed partial class NativeMemoryTrimmer(IOptions<NativeMemoryOptions> options, ILogger<NativeMemoryTrimmer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.TrimInterval;
        if (interval <= TimeSpan.Zero || !Glibc.TryGetMallocTrim(out var mallocTrim))
        {
            return;
        }

        TrimmingEvery(interval);
        using var timer = new PeriodicTimer(interval);
        var slowest = TimeSpan.Zero;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var started = Stopwatch.GetTimestamp();
            mallocTrim(0);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed > slowest && elapsed > TimeSpan.FromMilliseconds(10))
            {
                slowest = elapsed;
                SlowTrim(elapsed.TotalMilliseconds);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Returning free native memory to the OS every {Interval}")]
    private partial void TrimmingEvery(TimeSpan interval);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "malloc_trim took {Milliseconds:F1} ms; consider a longer NativeMemory:TrimInterval")]
    private partial void SlowTrim(double milliseconds);

    private static class Glibc
    {
        public static bool TryGetMallocTrim(out Func<nuint, int> mallocTrim)
        {
            mallocTrim = null!;
            if (!OperatingSystem.IsLinux()
                || !NativeLibrary.TryLoad("libc.so.6", out var libc)
                || !NativeLibrary.TryGetExport(libc, "malloc_trim", out var export))
            {
                return false;
            }

            mallocTrim = Marshal.GetDelegateForFunctionPointer<MallocTrim>(export).Invoke;
            return true;
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int MallocTrim(nuint pad);
    }
}
