using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using SensorAspire.Testing;

namespace SensorAspire.Benchmarks;

/// <summary>
/// `dotnet run --project SensorAspire.AppHost` as a user runs it (already built): time to the first window of both
/// tutorial sensors on the chart, when each process appeared on the way there, and the time from Ctrl+C until every
/// process the run started has ended.
/// </summary>
internal static partial class AppHostBenchmark
{
    private const int SigInt = 2;

    /// <summary>Which certificate DCP's API server was started with, from DCP's command line.</summary>
    private static readonly HashSet<string> s_dcpCertificates = [];

    private static readonly (string Name, string Marker)[] s_processes =
    [
        ("AppHost", "/SensorAspire.AppHost/debug/SensorAspire.AppHost"),
        ("DCP", "dcp start-apiserver"),
        ("dashboard", "Aspire.Dashboard"),
        ("kafka", "/SensorAspire.EmbeddedKafka/debug/SensorAspire.EmbeddedKafka"),
        ("chart", "/SensorAspire.Chart/debug/SensorAspire.Chart"),
        ("aggregator", "/SensorAspire.Aggregator/debug/SensorAspire.Aggregator"),
        ("simulator", "/SensorAspire.Simulator/debug/SensorAspire.Simulator"),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = args is ["--runs", var n] ? int.Parse(n) : 3;
        var root = Repository.Root;
        Console.WriteLine($"apphost: {runs} runs of `dotnet run --no-build --project SensorAspire.AppHost` (Debug, built beforehand)");
        List<Dictionary<string, double>> results = [];
        for (var i = 0; i < runs; i++)
        {
            var result = await RunOnceAsync(root);
            results.Add(result);
            Console.WriteLine($"  run {i + 1}: " + string.Join(", ", result.Select(r => $"{r.Key} {r.Value:F1} s")));
        }

        Console.WriteLine($"DCP's API server certificate: {string.Join("; ", s_dcpCertificates)}");
        Console.WriteLine("median over the runs (seconds after `dotnet run` started):");
        foreach (var key in results[0].Keys)
        {
            var values = results.Select(r => r.GetValueOrDefault(key, double.NaN)).Order().ToList();
            Console.WriteLine($"  {key,-28} {values[values.Count / 2],6:F2}   (min {values[0]:F2}, max {values[^1]:F2})");
        }

        return 0;
    }

    private static async Task<Dictionary<string, double>> RunOnceAsync(string root)
    {
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("setsid",
            ["env", "--default-signal=INT", "dotnet", "run", "--no-build", "--project", Path.Combine(root, "SensorAspire.AppHost")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet run");
        var times = new Dictionary<string, double>();
        var chartUrl = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ChartLine().Match(line) is { Success: true } match)
            {
                chartUrl.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var stopWatching = new CancellationTokenSource();
        var owned = new HashSet<int>();
        var watcher = WatchProcessesAsync(process.Id, clock, times, owned, stopWatching.Token);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var chart = await chartUrl.Task.WaitAsync(timeout.Token);
        times["chart URL printed"] = clock.Elapsed.TotalSeconds;
        using var http = new HttpClient { BaseAddress = chart };
        while (!await BothTutorialSensorsAsync(http, timeout.Token))
        {
            await Task.Delay(50, timeout.Token);
        }

        times["first windows of temp1+temp2"] = clock.Elapsed.TotalSeconds;
        stopWatching.Cancel();
        await watcher;

        var interrupted = clock.Elapsed;
        _ = Kill(-process.Id, SigInt);
        await process.WaitForExitAsync(timeout.Token);
        times["Ctrl+C: dotnet run exited"] = (clock.Elapsed - interrupted).TotalSeconds;
        while (owned.Any(ProcessTable.IsRunning))
        {
            await Task.Delay(20, timeout.Token);
        }

        times["Ctrl+C: every process gone"] = (clock.Elapsed - interrupted).TotalSeconds;
        return times;
    }

    /// <summary>Records when each process first appears, and the ids of every process the run owns.</summary>
    private static async Task WatchProcessesAsync(int rootId, Stopwatch clock, Dictionary<string, double> times, HashSet<int> owned,
        CancellationToken cancellationToken)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(25));
        do
        {
            foreach (var entry in ProcessTable.OwnedBy(rootId))
            {
                owned.Add(entry.Id);
                foreach (var (name, marker) in s_processes)
                {
                    if (entry.CommandLine.Contains(marker, StringComparison.Ordinal)
                        && times.TryAdd($"{name} process started", clock.Elapsed.TotalSeconds)
                        && name == "DCP")
                    {
                        s_dcpCertificates.Add(DcpCertificate(entry.CommandLine));
                    }
                }
            }
        }
        while (await WaitForTickAsync(tick, cancellationToken));
    }

    private static string DcpCertificate(string commandLine) => commandLine switch
    {
        _ when commandLine.Contains("sensoraspire-dcp-", StringComparison.Ordinal) => "the AppHost's, made for the run (DcpServingCertificate.cs)",
        _ when commandLine.Contains("--tls-cert-file", StringComparison.Ordinal) => "the trusted developer certificate",
        _ => "none given, so DCP generated one",
    };

    private static async Task<bool> WaitForTickAsync(PeriodicTimer tick, CancellationToken cancellationToken)
    {
        try
        {
            return await tick.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> BothTutorialSensorsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var windows = JsonDocument.Parse(await http.GetStringAsync("api/windows", cancellationToken));
            var ids = windows.RootElement.EnumerateArray().Select(w => w.GetProperty("sensorId").GetString()).ToHashSet();
            return ids.Contains("temp1") && ids.Contains("temp2");
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"The chart is at (\S+)")]
    private static partial Regex ChartLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
