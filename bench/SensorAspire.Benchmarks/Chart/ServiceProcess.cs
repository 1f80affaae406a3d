using System.Diagnostics;
using SensorAspire.Testing;

namespace SensorAspire.Benchmarks.Chart;

/// <summary>One of our services (Release build) in its own process, so its memory is measured apart from the clients'.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private long _peakWorkingSet;

    private ServiceProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The process id (for /proc accounting).</summary>
    public int Id => _process.Id;

    /// <summary>CPU time the process has used so far (user + system, from the OS's accounting).</summary>
    public TimeSpan CpuTime => ProcessCpu.Read(_process.Id);

    public long PeakWorkingSet => Interlocked.Read(ref _peakWorkingSet);

    public static ServiceProcess StartChart(string bootstrapServers, string topic, IReadOnlyDictionary<string, string>? settings = null)
        => StartService("SensorAspire.Chart", bootstrapServers, new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
        {
            ["Chart__WindowsTopic"] = topic,
        });

    /// <summary>Starts <paramref name="project"/>'s Release build from artifacts/bin with the given environment.</summary>
    public static ServiceProcess StartService(string project, string bootstrapServers, IReadOnlyDictionary<string, string> settings)
    {
        var root = Repository.Root;
        var dll = Repository.BuiltProgram(project);

        var port = FreePorts.Next();
        var contentRoot = Path.Combine(root, "src", project);
        var process = Start(project, dll, [dll, "--urls", $"http://127.0.0.1:{port}", "--contentRoot", contentRoot], bootstrapServers, settings);
        return new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>
    /// Starts the broker's Release build (<c>SensorAspire.EmbeddedKafka</c>, in memory) as its own process on a free port.
    /// </summary>
    public static ServiceProcess StartBroker(out string bootstrapServers, params string[] arguments)
    {
        const string project = "SensorAspire.EmbeddedKafka";
        var dll = Repository.BuiltProgram(project);

        var port = FreePorts.Next();
        bootstrapServers = $"127.0.0.1:{port}";
        var process = Start(project, dll, [dll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. arguments], bootstrapServers, new Dictionary<string, string>());
        return new ServiceProcess(process, new Uri($"tcp://127.0.0.1:{port}/"));
    }

    private static Process Start(string project, string dll, string[] arguments, string bootstrapServers, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__kafka"] = bootstrapServers;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {project}.");
        var name = project.Replace("SensorAspire.", "", StringComparison.Ordinal).ToLowerInvariant();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  {name}: {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine($"  {name}: {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
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
}
