using Microsoft.Extensions.Options;
using SensorAspire.Chart.Forwarding;
using SensorAspire.Chart.Streaming;
using SensorAspire.Chart.Windows;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Chart;

/// <summary>
/// Registers the chart's options, live window hub, window consumer worker, health check, JSON, and the forwarder of
/// the page's spans.
/// </summary>
public static class ChartServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddChartServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ChartOptions>()
            .BindConfiguration(ChartOptions.SectionName)
            .WithOldKey($"{ChartOptions.SectionName}:WindowTopic", $"{ChartOptions.SectionName}:{nameof(ChartOptions.WindowsTopic)}", (o, topic) => o.WindowsTopic = topic)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChartOptions>, ValidateChartOptions>();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ChartMetrics>();
        services.AddSingleton<LiveWindowHub>();
        services.AddSingleton<WindowConsumerStatus>();
        services.AddHostedService<WindowUpdatesConsumer>();
        services.AddHealthChecks().AddCheck<WindowConsumerHealthCheck>("window-consumer");
        services.AddBrowserTelemetryForwarding();

        // Windows are sent as the bytes they came in; only the chart's own responses are serialised.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, ChartJsonContext.Default));
        return builder;
    }
}
