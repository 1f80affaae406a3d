using Microsoft.Extensions.Options;
using SensorAspire.Chart.Streaming;
using SensorAspire.Chart.Windows;
using SensorAspire.Contracts;

namespace SensorAspire.Chart;

/// <summary>Registers the chart's options, window store, window consumer worker, health check and JSON.</summary>
public static class ChartServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddChartServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ChartOptions>().BindConfiguration(ChartOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChartOptions>, ValidateChartOptions>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ChartMetrics>();
        services.AddSingleton<WindowStore>();
        services.AddSingleton<WindowFeedStatus>();
        services.AddHostedService<WindowUpdatesConsumer>();
        services.AddHealthChecks().AddCheck<WindowFeedHealthCheck>("window-feed");

        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(1, ChartJsonContext.Default);
        });
        return builder;
    }
}
