using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SensorAspire.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Adds the defaults every SensorAspire service shares: OpenTelemetry, health checks, service discovery and
/// HTTP resilience. Shaped like Aspire's ServiceDefaults template (aspire-servicedefaults/Extensions.cs).
/// </summary>
public static class Extensions
{
    /// <summary>Path of the readiness endpoint: every health check must pass.</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Path of the liveness endpoint: only checks tagged <c>live</c>.</summary>
    public const string AlivenessEndpointPath = "/alive";

    // The named HttpClients of OpenTelemetry.Exporter.OpenTelemetryProtocol over http/protobuf.
    private static readonly string[] s_otlpExporterClients = ["OtlpTraceExporter", "OtlpMetricExporter", "OtlpLogExporter"];

    /// <summary>Adds OpenTelemetry, default health checks, service discovery and HTTP client resilience.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddNativeMemoryTrimming();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        // The OTLP/HTTP exporters' clients retry by themselves, and their last export runs while the service provider
        // is disposed, after the resilience pipeline: through it, that export fails (pipeline disposed) and the
        // exporter's retry backoff holds the process for seconds after SIGTERM.
        // RemoveAllResilienceHandlers is the API made for taking a client out of ConfigureHttpClientDefaults'
        // resilience (dotnet/extensions#5695, approved); it is still marked for evaluation (EXTEXP0001).
#pragma warning disable EXTEXP0001
        foreach (var exporterClient in s_otlpExporterClients)
        {
            builder.Services.AddHttpClient(exporterClient).RemoveAllResilienceHandlers();
        }
#pragma warning restore EXTEXP0001

        return builder;
    }

    /// <summary>
    /// Logs, metrics and traces over OpenTelemetry; exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set
    /// (the AppHost sets it). The service's own <c>ActivitySource</c> and <c>Meter</c> must be named after
    /// <c>IHostEnvironment.ApplicationName</c> (the assembly name) to be collected without extra code.
    /// </summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(builder.Environment.ApplicationName)
                .AddMeter(KafkaClientMetrics.MeterName))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Probes poll every few seconds; their spans would drown the pipeline's traces.
                    aspNetCore.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        // The SDK reads the sampler from OTEL_TRACES_SAMPLER (default parentbased_always_on); with a parent-based one,
        // messages whose producer span was not sampled need no process span (KafkaTelemetry.ParentBasedSampling).
        var sampler = builder.Configuration["OTEL_TRACES_SAMPLER"];
        KafkaTelemetry.ParentBasedSampling = string.IsNullOrWhiteSpace(sampler) || sampler.Trim().StartsWith("parentbased_", StringComparison.OrdinalIgnoreCase);

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Returns the C allocator's free memory to the OS periodically (librdkafka's buffers; see
    /// <see cref="NativeMemoryOptions"/>, section <c>NativeMemory</c>).
    /// </summary>
    public static TBuilder AddNativeMemoryTrimming<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<NativeMemoryOptions>()
            .BindConfiguration(NativeMemoryOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<NativeMemoryTrimmer>();
        return builder;
    }

    /// <summary>Adds the <c>self</c> liveness check (tagged <c>live</c>).</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (all checks, including Kafka) and <c>/alive</c> (checks tagged <c>live</c>).
    /// </summary>
    /// <remarks>
    /// Unlike the template, which maps these only in Development, we map them in every environment: the workers
    /// are health-checked by the AppHost and by container orchestrators in Production too. The responses carry only
    /// the status word (Healthy/Degraded/Unhealthy), never check details, so they leak nothing.
    /// </remarks>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") });

        return app;
    }
}
