using System.Diagnostics;
using System.Text;

namespace SensorAspire.Containers.Tests;

/// <summary>What a finished command printed, and how it ended.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string Output, string Error)
{
    public override string ToString() =>
        $"`{CommandLine}` exited with {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{Output}{Environment.NewLine}stderr:{Environment.NewLine}{Error}";
}

/// <summary>Runs a tool (podman, dotnet, a script) to its end, within a bound, with its output captured.</summary>
internal static class Command
{
    /// <summary>Runs <paramref name="fileName"/>; a non-zero exit fails with the command line and everything it printed.</summary>
    public static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? input = null)
    {
        var result = await TryAsync(fileName, arguments, timeout, environment, input);
        return result.ExitCode == 0 ? result.Output : throw new InvalidOperationException(result.ToString());
    }

    /// <summary>Runs <paramref name="fileName"/> and returns how it ended, whatever its exit code.</summary>
    public static async Task<CommandResult> TryAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null, string? input = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
            WorkingDirectory = Testing.Repository.Root,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var commandLine = string.Join(' ', [fileName, .. startInfo.ArgumentList]);
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"`{commandLine}` did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        try
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{commandLine}` did not end within {timeout}", ex);
        }

        return new CommandResult(commandLine, process.ExitCode, (await output).Trim(), (await error).Trim());
    }
}
