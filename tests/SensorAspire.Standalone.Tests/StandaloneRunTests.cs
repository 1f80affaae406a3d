using System.Net.Http.Json;
using System.Text.RegularExpressions;
using SensorAspire.Contracts;

namespace SensorAspire.Standalone.Tests;

/// <summary>
/// Runs the real standalone command (embedded broker plus three service processes) on free ports, waits for live
/// data in the chart's API, then stops it with a signal and checks everything is gone.
/// </summary>
public sealed partial class StandaloneRunTests
{
    // Generous: four .NET processes start cold on a shared two-core machine.
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(45);
    private static readonly string[] s_defaultSensors = ["temp1", "temp2"];
    private static readonly string[] s_services = ["simulator", "aggregator", "chart"];

    [Fact]
    public async Task DotnetRunShowsBothDefaultSensorsAndCtrlCStopsEverythingCleanly()
    {
        var (chartPort, brokerPort) = (StandaloneRun.FreeTcpPort(), StandaloneRun.FreeTcpPort());
        using var run = StandaloneRun.StartWithDotnetRun("--chart-port", $"{chartPort}", "--broker-port", $"{brokerPort}");

        await run.WaitForLineAsync(l => l.Contains($"127.0.0.1:{brokerPort}") && l.Contains($"http://localhost:{chartPort}"), s_startTimeout);
        var children = await ChildProcessIdsAsync(run);
        await WaitForSensorsAsync(run, chartPort, s_defaultSensors);
        run.Signal(StandaloneRun.SigInt, wholeGroup: true);
        var exitCode = await run.WaitForExitAsync(s_stopTimeout);

        Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{run.Output}");
        AssertStoppedCleanly(run, children);
    }

    [Fact]
    public async Task SensorOptionsReachTheSimulatorAndSigtermStopsEveryServiceCleanly()
    {
        var (chartPort, brokerPort) = (StandaloneRun.FreeTcpPort(), StandaloneRun.FreeTcpPort());
        using var run = StandaloneRun.StartBuilt(
            "--chart-port", $"{chartPort}", "--broker-port", $"{brokerPort}", "--sensors", "3", "--interval-ms", "300");

        var children = await ChildProcessIdsAsync(run);
        await WaitForSensorsAsync(run, chartPort, ["temp1", "temp2", "temp3"]);
        run.Signal(StandaloneRun.SigTerm);
        var exitCode = await run.WaitForExitAsync(s_stopTimeout);

        Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{run.Output}");
        AssertStoppedCleanly(run, children);
    }

    [Fact]
    public async Task AServiceThatDiesIsReportedAndTheRunExitsWithFailure()
    {
        var (chartPort, brokerPort) = (StandaloneRun.FreeTcpPort(), StandaloneRun.FreeTcpPort());
        using var run = StandaloneRun.StartBuilt("--chart-port", $"{chartPort}", "--broker-port", $"{brokerPort}");
        var children = await ChildProcessIdsAsync(run);

        using (var aggregator = System.Diagnostics.Process.GetProcessById(children["aggregator"]))
        {
            aggregator.Kill();
        }

        var exitCode = await run.WaitForExitAsync(s_stopTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("aggregator exited unexpectedly", run.Output);
        Assert.All(children.Values, id => Assert.False(StandaloneRun.IsRunning(id), $"process {id} still runs"));
    }

    [Fact]
    public async Task DataDirectoryKeepsTheWindowsAcrossRestarts()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("sensoraspire-standalone-").FullName;
        try
        {
            var (chartPort, brokerPort) = (StandaloneRun.FreeTcpPort(), StandaloneRun.FreeTcpPort());
            using (var first = StandaloneRun.StartBuilt(
                "--chart-port", $"{chartPort}", "--broker-port", $"{brokerPort}", "--data-dir", dataDirectory, "--interval-ms", "100"))
            {
                await WaitForSensorsAsync(first, chartPort, s_defaultSensors, minPoints: 5);
                first.Signal(StandaloneRun.SigTerm);
                Assert.Equal(0, await first.WaitForExitAsync(s_stopTimeout));
            }

            // An hour between readings: five points per sensor can only come from what the first run stored.
            using var second = StandaloneRun.StartBuilt(
                "--chart-port", $"{chartPort}", "--broker-port", $"{brokerPort}", "--data-dir", dataDirectory, "--interval-ms", "3600000");
            await WaitForSensorsAsync(second, chartPort, s_defaultSensors, minPoints: 5);
            second.Signal(StandaloneRun.SigTerm);

            Assert.Equal(0, await second.WaitForExitAsync(s_stopTimeout));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Theory]
    [InlineData("--chart-port", "0", "--chart-port (Standalone:ChartPort)")]
    [InlineData("--broker-port", "70000", "--broker-port (Standalone:BrokerPort)")]
    [InlineData("--sensors", "-3", "--sensors (Standalone:SensorCount)")]
    [InlineData("--chart-port", "http", "Standalone:ChartPort")]
    [InlineData("--chart-prot", "5080", "unknown option --chart-prot")]
    public async Task InvalidOptionsAreRejectedNamingTheOption(string option, string value, string expected)
    {
        using var run = StandaloneRun.StartBuilt(option, value);

        var exitCode = await run.WaitForExitAsync(s_stopTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, run.Output);
    }

    /// <summary>Child process ids from the "{service} started (pid N)" lines.</summary>
    private static async Task<Dictionary<string, int>> ChildProcessIdsAsync(StandaloneRun run)
    {
        Dictionary<string, int> ids = [];
        foreach (var service in s_services)
        {
            var line = await run.WaitForLineAsync(l => l.Contains($"{service} started (pid "), s_startTimeout);
            ids[service] = int.Parse(PidPattern().Match(line).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        return ids;
    }

    /// <summary>Polls the chart's API (there is no event to await from outside the process) until every sensor has a window.</summary>
    private static async Task WaitForSensorsAsync(StandaloneRun run, int chartPort, string[] sensors, int minPoints = 1)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://localhost:{chartPort}"), Timeout = TimeSpan.FromSeconds(5) };
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(s_startTimeout);
        IReadOnlyList<WindowUpdated>? windows = null;
        try
        {
            do
            {
                try
                {
                    windows = await http.GetFromJsonAsync("/api/windows", ContractsJsonContext.Default.IReadOnlyListWindowUpdated, deadline.Token);
                    if (windows is not null && sensors.All(s => windows.Any(w => w.SensorId == s && w.Points.Count >= minPoints)))
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // The chart is not listening yet.
                }
            }
            while (await poll.WaitForNextTickAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        var seen = windows is null ? "nothing" : string.Join(", ", windows.Select(w => $"{w.SensorId} ({w.Points.Count} points)"));
        Assert.Fail($"/api/windows did not show {string.Join(" and ", sensors)} with {minPoints}+ points within {s_startTimeout} (saw {seen}).{Environment.NewLine}{run.Output}");
    }

    private static void AssertStoppedCleanly(StandaloneRun run, Dictionary<string, int> children)
    {
        foreach (var (service, id) in children)
        {
            Assert.False(StandaloneRun.IsRunning(id), $"{service} (pid {id}) still runs");
            Assert.Contains($"{service} stopped (exit code 0)", run.Output);
        }
    }

    [GeneratedRegex(@"\(pid (\d+)\)")]
    private static partial Regex PidPattern();
}
