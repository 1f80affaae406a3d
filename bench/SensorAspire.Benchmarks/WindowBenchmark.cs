using System.Diagnostics;
using SensorAspire.Aggregator.Windows;

namespace SensorAspire.Benchmarks;

/// <summary>
/// <c>window</c>: SensorWindow.Add on one thread over 10,000 windows of 12 (the aggregator's hot path), 1 in 16
/// readings late. Target: at least 10,000,000 updates/s on one core and 0 bytes allocated per update.
/// </summary>
internal static class WindowBenchmark
{
    public static int Run(string[] args)
    {
        var updates = args.Length > 0 ? long.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200_000_000L;
        const int Sensors = 10_000;
        // One shared block of samples and counts, as WindowStore keeps them.
        var samples = new WindowSample[Sensors * 12];
        var counts = new int[Sensors];
        var t0 = DateTime.UtcNow.Ticks;

        // Warm up (tiered JIT to full optimisation), then measure several rounds and keep the best and the median.
        var next = Loop(samples, counts, t0, 0, 20_000_000);
        var rates = new List<double>();
        long allocated = 0;
        for (var round = 0; round < 5; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            next = Loop(samples, counts, t0, next, updates / 5);
            var elapsed = Stopwatch.GetElapsedTime(started);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            rates.Add(updates / 5 / elapsed.TotalSeconds);
        }

        rates.Sort();
        Console.WriteLine($"window: {updates:N0} updates over {Sensors:N0} windows of 12, one thread");
        Console.WriteLine($"  median {rates[2] / 1e6:F1} M updates/s, best {rates[^1] / 1e6:F1} M updates/s (target >= 10 M/s)");
        Console.WriteLine($"  allocated {allocated} bytes in total, {(double)allocated / updates:F4} bytes/update (target 0)");
        return rates[2] >= 10_000_000 && allocated == 0 ? 0 : 1;
    }

    // Returns the next reading index, so later rounds continue the same timelines (a reading older than a full
    // window would take the cheap discard path and flatter the result).
    private static long Loop(WindowSample[] samples, int[] counts, long t0, long first, long count)
    {
        var n = counts.Length;
        var value = 20.0;
        var changed = 0L;
        for (var i = first; i < first + count; i++)
        {
            var sensor = (int)(i % n);
            var tick = t0 + (i / n * TimeSpan.TicksPerSecond);

            // Every 16th reading is 1.5 s late: it is inserted behind the newest point (the out-of-order path).
            if ((i & 15) == 15)
            {
                tick -= TimeSpan.TicksPerSecond + (TimeSpan.TicksPerSecond / 2);
            }

            changed += new SensorWindow(samples.AsSpan(sensor * 12, 12), ref counts[sensor]).Add(tick, value) == ReadingOutcome.DiscardedTooOld ? 0 : 1;
            value = value > 39 ? 20 : value + 0.37;
        }

        if (changed != count)
        {
            throw new InvalidOperationException($"{count - changed} readings were discarded; the benchmark must measure real updates.");
        }

        return first + count;
    }
}
