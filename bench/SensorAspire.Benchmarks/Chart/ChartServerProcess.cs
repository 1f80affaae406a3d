using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>The chart service (Release build) in its own process, so its memory is measured apart from the clients'.</summary>
internal sealed class ChartServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private long _peakWorkingSet;

    private ChartServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public long PeakWorkingSet => Interlocked.Read(ref _peakWorkingSet);

    public static ChartServerProcess Start(string bootstrapServers, string topic, IReadOnlyDictionary<string, string>? settings = null)
    {
        var root = RepositoryRoot();
        var dll = Path.Combine(root, "artifacts", "bin", "SensorAspire.Chart", "release", "SensorAspire.Chart.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Build the chart in Release first (the benchmark project references it).", dll);
        }

        var port = FreePort();
        var contentRoot = Path.Combine(root, "src", "SensorAspire.Chart");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}", "--contentRoot", contentRoot])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__kafka"] = bootstrapServers;
        start.Environment["Chart__WindowTopic"] = topic;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the chart.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  chart: {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  chart: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChartServerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>Samples the server's working set (peak kept) and returns the current value in bytes.</summary>
    public long SampleWorkingSet()
    {
        _process.Refresh();
        var current = _process.WorkingSet64;
        long peak;
        do
        {
            peak = Interlocked.Read(ref _peakWorkingSet);
        }
        while (current > peak && Interlocked.CompareExchange(ref _peakWorkingSet, current, peak) != peak);

        return current;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SensorAspire.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Run the benchmark from the repository.");
    }
}
