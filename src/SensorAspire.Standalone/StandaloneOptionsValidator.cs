using Microsoft.Extensions.Options;

namespace SensorAspire.Standalone;

/// <summary>Collects every problem with <see cref="StandaloneOptions"/> and names the option to change.</summary>
internal sealed class StandaloneOptionsValidator : IValidateOptions<StandaloneOptions>
{
    public ValidateOptionsResult Validate(string? name, StandaloneOptions options)
    {
        List<string> errors = [];
        CheckPort(errors, options.ChartPort, "--chart-port", nameof(StandaloneOptions.ChartPort));
        CheckPort(errors, options.BrokerPort, "--broker-port", nameof(StandaloneOptions.BrokerPort));
        if (options.ChartPort == options.BrokerPort)
        {
            errors.Add($"--chart-port and --broker-port are both {options.ChartPort}; give them different ports.");
        }

        if (options.SensorCount is < 1 or > 1000)
        {
            errors.Add($"--sensors ({Key(nameof(StandaloneOptions.SensorCount))}) must be between 1 and 1000, not {options.SensorCount}.");
        }

        if (options.IntervalMilliseconds is < 1 or > 3_600_000)
        {
            errors.Add($"--interval-ms ({Key(nameof(StandaloneOptions.IntervalMilliseconds))}) must be between 1 and 3600000, not {options.IntervalMilliseconds}.");
        }

        if (options.TargetRate is { } rate && (!double.IsFinite(rate) || rate <= 0 || rate > 1_000_000))
        {
            errors.Add($"--rate ({Key(nameof(StandaloneOptions.TargetRate))}) must be above 0 and at most 1000000 readings per second, not {rate}.");
        }

        if (options.IntervalMilliseconds is not null && options.TargetRate is not null)
        {
            errors.Add("--interval-ms (steady mode) and --rate (load mode) exclude each other; give one of them.");
        }

        if (options.DataDirectory is { } directory && (directory.Length == 0 || directory.IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            errors.Add($"--data-dir ({Key(nameof(StandaloneOptions.DataDirectory))}) is not a valid path: '{directory}'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckPort(List<string> errors, int port, string option, string property)
    {
        if (port is < 1 or > 65535)
        {
            errors.Add($"{option} ({Key(property)}) must be a TCP port between 1 and 65535, not {port}.");
        }
    }

    private static string Key(string property) => $"{StandaloneOptions.SectionName}:{property}";
}
