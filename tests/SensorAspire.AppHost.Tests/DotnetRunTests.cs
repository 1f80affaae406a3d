using System.Text.RegularExpressions;
using SensorAspire.Testing;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// <c>dotnet run --project SensorAspire.AppHost</c> as a user runs it in a terminal: it prints where to look, Ctrl+C stops
/// everything it started, and <c>Kafka:DataDirectory</c> carries topics and offsets into the next run.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed partial class DotnetRunTests
{
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CtrlCStopsTheAppHostCleanlyAndLeavesNoProcessBehind()
    {
        using var run = AppHostRun.Start(new Dictionary<string, string> { ["Kafka__Port"] = $"{FreePorts.Next()}" });
        var chart = await ChartUrlAsync(run);
        await run.WaitForLineAsync(l => l.Contains("Login to the dashboard at http://localhost:15260/login?t="), RunningAppHost.Timeout);
        await WaitForSensorsAsync(chart, _ => true);
        var owned = ProcessTable.OwnedBy(run.Id);
        // DCP is given a certificate (this run's, or a trusted developer certificate) rather than generating one.
        var dcp = owned.Where(p => p.CommandLine.Contains("dcp start-apiserver", StringComparison.Ordinal)).ToList();
        var certificate = dcp.Select(p => CertificateFile().Match(p.CommandLine)).FirstOrDefault(m => m.Success);
        Assert.True(certificate is not null, string.Join(Environment.NewLine, dcp.Select(p => p.CommandLine)));
        foreach (var service in new[] { "EmbeddedKafka", "Simulator", "Aggregator", "Chart" })
        {
            // Each runs as its built program, without a `dotnet run` in front of it (BuiltProgramLaunch).
            Assert.Contains(owned, p => p.CommandLine.StartsWith("dotnet ", StringComparison.Ordinal)
                && p.CommandLine.Contains($"/SensorAspire.{service}.dll", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(owned, p => p.CommandLine.Contains("dotnet run --project /", StringComparison.Ordinal));
        // The broker keeps its data in a directory made for the run, which Ctrl+C deletes with the run.
        var runDataDirectory = owned.Select(p => RunDataDirectory().Match(p.CommandLine)).Single(m => m.Success).Groups[1].Value;
        Assert.True(Directory.Exists(runDataDirectory), runDataDirectory);

        run.Interrupt();
        var exitCode = await run.WaitForExitAsync(s_stopTimeout);

        Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{run.Output}");
        // Every service exited on its own after SIGTERM, the broker last (ProjectStopper), none left for DCP to kill.
        Assert.DoesNotContain("had not stopped", run.Output, StringComparison.Ordinal);
        await Wait.UntilAsync(() => owned.All(p => !ProcessTable.IsRunning(p.Id)),
            $"every process the run started to end: {string.Join(", ", owned.Where(p => ProcessTable.IsRunning(p.Id)).Select(p => p.CommandLine))}");
        Assert.False(Directory.Exists(runDataDirectory), "the run's data directory outlived the run");
        if (certificate.Groups[1].Value.Contains("/sensoraspire-dcp-", StringComparison.Ordinal))
        {
            Assert.False(File.Exists(certificate.Groups[1].Value), "the run's DCP certificate outlived the run");
        }
    }

    [Fact]
    public async Task DataDirectoryKeepsTheWindowsForTheNextRun()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("sensoraspire-apphost-").FullName;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["Kafka__Port"] = $"{FreePorts.Next()}",
                ["Kafka__DataDirectory"] = dataDirectory,
            };
            Dictionary<string, double[]> first;
            using (var run = AppHostRun.Start(environment))
            {
                first = await WaitForSensorsAsync(await ChartUrlAsync(run), w => w["temp1"].Length >= 2 && w["temp2"].Length >= 2);
                run.Interrupt();
                Assert.Equal(0, await run.WaitForExitAsync(s_stopTimeout));
            }

            // The first run's points can only reach the second run's chart through what the broker kept on disk.
            using var second = AppHostRun.Start(environment);
            await WaitForSensorsAsync(await ChartUrlAsync(second),
                w => first.All(sensor => sensor.Value.All(w[sensor.Key].Contains)));
            second.Interrupt();
            Assert.Equal(0, await second.WaitForExitAsync(s_stopTimeout));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task<Uri> ChartUrlAsync(AppHostRun run)
    {
        var line = await run.WaitForLineAsync(l => ChartLine().IsMatch(l), RunningAppHost.Timeout);
        return new Uri(ChartLine().Match(line).Groups[1].Value);
    }

    /// <summary>Waits until the chart has windows of both tutorial sensors that satisfy <paramref name="done"/>.</summary>
    private static Task<Dictionary<string, double[]>> WaitForSensorsAsync(Uri chart, Func<Dictionary<string, double[]>, bool> done)
        => Wait.ForAsync(
            async ct => await ChartWindows.GetAsync(chart, ct) is var w && w.ContainsKey("temp1") && w.ContainsKey("temp2") && done(w) ? w : null,
            "windows of temp1 and temp2 on the chart", RunningAppHost.Timeout, RunningAppHost.PollInterval);

    [GeneratedRegex(@"The chart is at (\S+)")]
    private static partial Regex ChartLine();

    [GeneratedRegex(@"--data-dir (\S*/sensoraspire-kafka-\S+)")]
    private static partial Regex RunDataDirectory();

    [GeneratedRegex(@"--tls-cert-file (\S+)")]
    private static partial Regex CertificateFile();
}
