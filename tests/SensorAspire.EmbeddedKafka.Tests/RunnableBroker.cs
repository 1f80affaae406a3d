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
        // env --default-signal=INT: started from a shell without job control (CI, a background job), this test process
        // ignores SIGINT, a child would inherit that, and .NET keeps an inherited SIG_IGN, so Ctrl+C would never reach
        // the broker. A terminal starts it with SIGINT's default action; so does this.
        var start = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--default-signal=INT");
        start.ArgumentList.Add("dotnet");
        start.ArgumentList.Add(Repository.BuiltProgram("SensorAspire.EmbeddedKafka"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            var line = await ReadBootstrapLineAsync(process);

            // Drain the rest of both pipes: a full pipe would block the broker's logging and with it its shutdown.
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await use(line[BootstrapPrefix.Length..]);
            using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString()])!)
            {
                await interrupt.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            try
            {
                await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Wait.DefaultTimeout, TestContext.Current.CancellationToken);
            }
            catch (TimeoutException)
            {
                process.Kill();
                Assert.Fail($"The broker did not stop within {Wait.DefaultTimeout} of SIGINT. Its output:\n{await output}{await error}");
            }

            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}. Its output:\n{await output}{await error}");
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
