using System.Diagnostics;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>Runs the broker as a program (the built dll), the way a user runs it, for the command-line tests.</summary>
internal static class RunnableBroker
{
    private const string BootstrapPrefix = "bootstrap servers: ";

    /// <summary>
    /// Starts the program with <paramref name="args"/>, runs <paramref name="use"/> with its printed bootstrap address,
    /// stops it with SIGINT (Ctrl+C) and checks it exited cleanly.
    /// </summary>
    public static async Task RunAsync(string[] args, Func<string, Task> use)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SensorAspire.EmbeddedKafka.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            var line = await ReadBootstrapLineAsync(process);
            await use(line[BootstrapPrefix.Length..]);
            using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString()]))
            {
                await interrupt.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static async Task<string> ReadBootstrapLineAsync(Process process)
    {
        while (await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask()
                   .WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken) is { } line)
        {
            if (line.StartsWith(BootstrapPrefix, StringComparison.Ordinal))
            {
                return line;
            }
        }

        throw new InvalidOperationException("The broker exited without printing its address: " + await process.StandardError.ReadToEndAsync());
    }
}
