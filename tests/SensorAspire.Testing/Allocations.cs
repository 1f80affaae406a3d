namespace SensorAspire.Testing;

/// <summary>Bytes a piece of code allocates on the calling thread, for tests that guard a path's zero allocations.</summary>
public static class Allocations
{
    /// <summary>
    /// Runs <paramref name="pass"/> (given the pass number) three times and returns the fewest bytes one pass allocated. A
    /// garbage collection that another test's thread starts during a pass can count the unused rest of this thread's
    /// allocation context (up to 8 KB) as allocated; a real allocation shows in every pass.
    /// </summary>
    public static long Fewest(Action<int> pass)
    {
        var fewest = long.MaxValue;
        for (var number = 0; number < 3; number++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            pass(number);
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
