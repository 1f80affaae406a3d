using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using SensorAspire.Testing;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// <c>dotnet run --project SensorAspire.AppHost</c> started as a separate process, the way a user starts it, with its
/// output captured so a test can wait for a line instead of sleeping. Disposing kills whatever is still running.
/// </summary>
internal sealed class AppHostRun : IDisposable
{
    public const int SigInt = 2;

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    private AppHostRun(Process process) => _process = process;

    public int Id => _process.Id;

    public static string RepositoryRoot => Repository.Root;

    /// <summary>
    /// <c>dotnet run --project SensorAspire.AppHost --no-build</c> in its own session, like a terminal runs it, with the
    /// launch profile a user gets and <paramref name="environment"/> on top (configuration such as <c>Kafka__Port</c>).
    /// </summary>
    public static AppHostRun Start(IReadOnlyDictionary<string, string> environment)
    {
        // setsid gives the run its own process group, so the test can send Ctrl+C's SIGINT to the whole group as a
        // terminal does; env --default-signal=INT undoes an inherited "ignore SIGINT" (background jobs of
        // non-interactive shells), which .NET respects. --no-build: the test project already built it.
        List<string> arguments =
        [
            "env", "--default-signal=INT", DotnetPath, "run", "--no-build", "-c", Configuration,
            "--project", Path.Combine(RepositoryRoot, "SensorAspire.AppHost"),
        ];
        return Start("setsid", arguments, environment);
    }

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join(Environment.NewLine, _lines);
            }
        }
    }

    /// <summary>Waits for an output line (stdout or stderr) that matches, including lines already written.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            var existing = _lines.FirstOrDefault(match);
            if (existing is not null)
            {
                return existing;
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching output line within {timeout}. Output so far:{Environment.NewLine}{Output}");
        }
    }

    /// <summary>Ctrl+C as a terminal sends it: SIGINT to the run's whole process group.</summary>
    public void Interrupt()
        => Assert.True(Kill(-_process.Id, SigInt) == 0, $"kill failed: errno {Marshal.GetLastPInvokeError()}");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The run did not exit within {timeout}. Output:{Environment.NewLine}{Output}");
        }

        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static AppHostRun Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var run = new AppHostRun(new Process { StartInfo = startInfo });
        run._process.OutputDataReceived += (_, e) => run.Add(e.Data);
        run._process.ErrorDataReceived += (_, e) => run.Add(e.Data);
        run._process.Start();
        run._process.BeginOutputReadLine();
        run._process.BeginErrorReadLine();
        return run;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                waiter.Found.TrySetResult(line);
                _waiters.Remove(waiter);
            }
        }
    }

    private static string DotnetPath => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";

    private static string Configuration
        => typeof(AppHostRun).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
