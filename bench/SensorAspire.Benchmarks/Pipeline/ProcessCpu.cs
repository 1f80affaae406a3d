using System.Globalization;
using System.Runtime.InteropServices;

namespace SensorAspire.Benchmarks;

/// <summary>A process's CPU time as the OS accounts it: utime + stime of <c>/proc/&lt;pid&gt;/stat</c> (proc(5)).</summary>
internal static class ProcessCpu
{
    private const int ScClkTck = 2; // _SC_CLK_TCK in glibc's <bits/confname.h>

    private static readonly long s_ticksPerSecond = Math.Max(1, SysConf(ScClkTck));

    /// <summary>User + system CPU time of process <paramref name="pid"/> (all its threads) so far.</summary>
    public static TimeSpan Read(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture); // fields 14, 15
        return TimeSpan.FromSeconds((double)ticks / s_ticksPerSecond);
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);
}
