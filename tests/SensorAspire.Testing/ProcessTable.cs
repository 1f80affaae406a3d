using System.Text.RegularExpressions;

namespace SensorAspire.Testing;

/// <summary>
/// The processes a run owns, read from /proc: the run's descendants, and the DCP API server, which detaches from the
/// AppHost (its parent becomes init) but names the AppHost it serves with <c>--monitor PID</c>, with its descendants.
/// </summary>
public static partial class ProcessTable
{
    public sealed record Entry(int Id, int ParentId, string CommandLine);

    public static IReadOnlyList<Entry> OwnedBy(int rootId)
    {
        var all = Snapshot();
        var owned = new HashSet<int> { rootId };
        bool grew;
        do
        {
            grew = false;
            foreach (var entry in all)
            {
                if (owned.Contains(entry.Id))
                {
                    continue;
                }

                var monitored = MonitorArgument().Match(entry.CommandLine);
                if (owned.Contains(entry.ParentId) || (monitored.Success && owned.Contains(int.Parse(monitored.Groups[1].Value))))
                {
                    grew = owned.Add(entry.Id) || grew;
                }
            }
        }
        while (grew);

        return all.Where(e => owned.Contains(e.Id)).ToList();
    }

    public static bool IsRunning(int id) => File.Exists($"/proc/{id}/cmdline") && !IsZombie(id);

    private static bool IsZombie(int id)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{id}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static List<Entry> Snapshot()
    {
        List<Entry> entries = [];
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var id))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Trim();
                entries.Add(new Entry(id, int.Parse(fields[1]), commandLine));
            }
            catch (IOException)
            {
                // The process ended while we read it.
            }
        }

        return entries;
    }

    [GeneratedRegex(@"--monitor (\d+)")]
    private static partial Regex MonitorArgument();
}
