using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Every <see cref="NativeMemoryOptions.TrimInterval"/>, asks glibc's allocator to return its free pages to the OS
/// (<c>malloc_trim(0)</c>). librdkafka mallocs and frees every fetch response and produce batch on its own threads;
/// glibc keeps what they free in per-thread arenas, so without this an aggregator's resident memory carries tens of
/// megabytes of freed prefetch and produce buffers (measured in docs/pipeline.md, "Memory"). Does nothing where glibc is not the C library
/// (Windows, macOS, musl-based Alpine images).
/// </summary>
/// <remarks>
/// A trim covers the whole process, so one host per process trims (tests and benchmarks run several hosts in one
/// process). The pause after a trim is at least 100 times the trim's duration, which keeps trimming under 1% of a core
/// however long a trim takes (it grows with the process's heaps; trim times are in docs/pipeline.md, "Memory").
/// </remarks>
internal sealed partial class NativeMemoryTrimmer(IOptions<NativeMemoryOptions> options, TimeProvider time, ILogger<NativeMemoryTrimmer> logger)
    : BackgroundService
{
    private const int MaxDutyCycleInverse = 100;

    private static int s_trimming; // 1 while a host in this process trims

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.TrimInterval;
        if (interval <= TimeSpan.Zero || !Glibc.TryGetMallocTrim(out var mallocTrim))
        {
            return;
        }

        if (Interlocked.CompareExchange(ref s_trimming, 1, 0) != 0)
        {
            return; // another host in this process trims already
        }

        try
        {
            TrimmingEvery(interval);
            while (!stoppingToken.IsCancellationRequested)
            {
                var started = time.GetTimestamp();
                mallocTrim(0);
                var elapsed = time.GetElapsedTime(started);
                var pause = TimeSpan.FromTicks(Math.Max(interval.Ticks, elapsed.Ticks * MaxDutyCycleInverse));
                await Task.Delay(pause, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
        finally
        {
            Volatile.Write(ref s_trimming, 0);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Returning free native memory to the OS every {Interval} or less often")]
    private partial void TrimmingEvery(TimeSpan interval);

    private static class Glibc
    {
        public static bool TryGetMallocTrim(out MallocTrim mallocTrim)
        {
            mallocTrim = null!;
            if (!OperatingSystem.IsLinux()
                || !NativeLibrary.TryLoad("libc.so.6", out var libc)
                || !NativeLibrary.TryGetExport(libc, "malloc_trim", out var export))
            {
                return false;
            }

            mallocTrim = Marshal.GetDelegateForFunctionPointer<MallocTrim>(export);
            return true;
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate int MallocTrim(nuint pad);
    }
}
