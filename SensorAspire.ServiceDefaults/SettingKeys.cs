using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Settings whose key changed. A renamed key keeps working under its old name for one release, with a warning that
/// names the new key; a removed key only warns, naming what replaced it.
/// </summary>
public static partial class SettingKeys
{
    /// <summary>The log category of these warnings.</summary>
    public const string LogCategory = "SensorAspire.Settings";

    /// <summary>
    /// When <paramref name="oldKey"/> is set and <paramref name="newKey"/> is not, <paramref name="apply"/> gives the old
    /// value to the options and a warning names the new key; when both are set the new key wins and a warning says so.
    /// </summary>
    public static OptionsBuilder<TOptions> WithOldKey<TOptions>(
        this OptionsBuilder<TOptions> builder, string oldKey, string newKey, Action<TOptions, string> apply)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(apply);
        return builder.Configure<IConfiguration, ILoggerFactory>((options, configuration, loggers) =>
        {
            if (configuration[oldKey] is not { } value)
            {
                return;
            }

            var logger = loggers.CreateLogger(LogCategory);
            if (configuration[newKey] is null)
            {
                apply(options, value);
                OldKeyUsed(logger, oldKey, newKey);
            }
            else
            {
                OldKeyIgnored(logger, oldKey, newKey);
            }
        });
    }

    /// <summary>When <paramref name="removedKey"/> is set, a warning says it has no effect and what to use instead.</summary>
    public static OptionsBuilder<TOptions> WithRemovedKey<TOptions>(this OptionsBuilder<TOptions> builder, string removedKey, string instead)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Configure<IConfiguration, ILoggerFactory>((_, configuration, loggers) =>
        {
            if (configuration[removedKey] is not null)
            {
                RemovedKeySet(loggers.CreateLogger(LogCategory), removedKey, instead);
            }
        });
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Setting {OldKey} is deprecated and will be removed in the next release; set {NewKey} instead")]
    private static partial void OldKeyUsed(ILogger logger, string oldKey, string newKey);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Setting {OldKey} is ignored because {NewKey}, its new name, is set; remove {OldKey}")]
    private static partial void OldKeyIgnored(ILogger logger, string oldKey, string newKey);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Setting {RemovedKey} no longer has an effect: {Instead}")]
    private static partial void RemovedKeySet(ILogger logger, string removedKey, string instead);
}
