using System.Diagnostics;
using SensorAspire.Aggregator;
using SensorAspire.Testing;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>
/// The aggregator as a separate OS process (its build output, copied next to the tests), so a test can kill it the
/// way a crash would: no shutdown hooks, no flush, no commit, no LeaveGroup.
/// </summary>
internal sealed class AggregatorProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _assigned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AggregatorProcess(IReadOnlyDictionary<string, string?> settings)
    {
        var dll = Repository.BuiltProgram("SensorAspire.Aggregator");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Logging__LogLevel__SensorAspire.Aggregator"] = "Information";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            // WindowAggregationEngine logs this once the group gave it partitions and their windows are restored.
            if (e.Data?.Contains("input partitions", StringComparison.Ordinal) == true)
            {
                _assigned.TrySetResult();
            }
        };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Completes when the aggregator has been assigned its input partitions.</summary>
    public Task Assigned => _assigned.Task;

    /// <summary>SIGKILL: the process gets no chance to publish, flush or commit.</summary>
    public async Task KillAsync(CancellationToken cancellationToken)
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(cancellationToken);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
