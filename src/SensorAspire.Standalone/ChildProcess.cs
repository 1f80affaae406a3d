using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SensorAspire.Standalone;

/// <summary>
/// One service running as a child process (<c>dotnet Service.dll</c>), its output forwarded line by line with the
/// service name in front, stopped with SIGTERM so it shuts down like it does under Aspire or in a container.
/// </summary>
internal sealed partial class ChildProcess : IDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly string _prefix;

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _prefix = $"{name,-10} | ";
    }

    public string Name { get; }

    public int Id => _process.Id;

    /// <summary>Completes with the exit code when the process has exited and its output is drained.</summary>
    public Task<int> Exited { get; private set; } = Task.FromResult(-1);

    public static ChildProcess Start(string name, string assemblyPath, IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(DotnetHost.Path)
        {
            // The content root (appsettings.json, static web assets manifest) is the service's output folder.
            WorkingDirectory = System.IO.Path.GetDirectoryName(assemblyPath),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(assemblyPath);
        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.Forward(Console.Out, e.Data);
        process.ErrorDataReceived += (_, e) => child.Forward(Console.Error, e.Data);
        process.Start();
        child.Exited = child.WaitForExitCodeAsync();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Asks the process to stop (SIGTERM) and kills it if it has not exited within <paramref name="timeout"/>.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            // Windows has no SIGTERM for console processes we do not share a console with: kill there.
            if (OperatingSystem.IsWindows() || SendSignal(_process.Id, SigTerm) != 0)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        try
        {
            return await Exited.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            _process.Kill(entireProcessTree: true);
            return await Exited;
        }
    }

    public void Dispose() => _process.Dispose();

    private async Task<int> WaitForExitCodeAsync()
    {
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    private void Forward(TextWriter writer, string? line)
    {
        if (line is not null)
        {
            writer.WriteLine(_prefix + line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
