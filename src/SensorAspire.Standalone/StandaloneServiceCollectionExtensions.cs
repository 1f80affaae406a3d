using Microsoft.Extensions.Options;

namespace SensorAspire.Standalone;

internal static class StandaloneServiceCollectionExtensions
{
    public static IServiceCollection AddStandalone(this IServiceCollection services)
    {
        services.AddOptions<StandaloneOptions>().BindConfiguration(StandaloneOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StandaloneOptions>, StandaloneOptionsValidator>();
        services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        services.AddHostedService<StandaloneSupervisor>();
        return services;
    }
}
