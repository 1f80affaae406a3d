using System.Diagnostics;

namespace SensorAspire.EmbeddedKafka.Tests.Clients;

/// <summary>Runs Debian's kcat (librdkafka 2.0.2, an older client than Confluent.Kafka's) under `timeout`.</summary>
internal static class Kcat
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("timeout")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("20");
        start.ArgumentList.Add("kcat");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kcat did not start (apt-get install -y kcat).");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return (process.ExitCode, await output, await error);
    }
}
