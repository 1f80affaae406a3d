using Microsoft.Extensions.Options;

namespace SensorAspire.Simulator;

/// <summary>Collects every problem in <see cref="SimulatorOptions"/> and names the key to fix.</summary>
internal sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    private const string S = SimulatorOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        List<string> errors = [];
        if (string.IsNullOrWhiteSpace(options.Topic))
        {
            errors.Add($"{S}:Topic must name a topic.");
        }

        if (options.SensorCount is < 1 or > 10_000_000)
        {
            errors.Add($"{S}:SensorCount must be between 1 and 10000000 (was {options.SensorCount}).");
        }

        if (options.Interval is not null && options.TargetRate is not null)
        {
            errors.Add($"Set either {S}:Interval (steady mode) or {S}:TargetRate (load mode), not both.");
        }

        if (options.Interval is { } interval && (interval < TimeSpan.FromMilliseconds(1) || interval > TimeSpan.FromHours(1)))
        {
            errors.Add($"{S}:Interval must be between 00:00:00.001 and 01:00:00 (was {interval}).");
        }

        if (options.TargetRate is { } rate && (!double.IsFinite(rate) || rate <= 0 || rate > 10_000_000))
        {
            errors.Add($"{S}:TargetRate must be a number of readings per second in (0, 10000000] (was {rate}).");
        }

        if (!Enum.IsDefined(options.Pattern))
        {
            errors.Add($"{S}:Pattern must be Uniform or RandomWalk (was {options.Pattern}).");
        }

        if (options.Pattern == ValuePattern.RandomWalk && (!double.IsFinite(options.RandomWalkStep) || options.RandomWalkStep <= 0))
        {
            errors.Add($"{S}:RandomWalkStep must be a positive number (was {options.RandomWalkStep}).");
        }

        for (var i = 0; i < options.Ranges.Count; i++)
        {
            var range = options.Ranges[i];
            if (!double.IsFinite(range.Min) || !double.IsFinite(range.Max) || range.Min > range.Max)
            {
                errors.Add($"{S}:Ranges:{i} must have finite Min <= Max (was [{range.Min}, {range.Max}]).");
            }
        }

        if (options.MaxReadings is < 1)
        {
            errors.Add($"{S}:MaxReadings must be positive when set (was {options.MaxReadings}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
