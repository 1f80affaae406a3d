using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using SensorAspire.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers Confluent.Kafka producers and consumers the way Aspire.Confluent.Kafka does (same method names,
/// configuration sections, connection-string handling, singleton lifetime and health-check names), built on
/// Confluent.Kafka directly because Aspire packages do not restore here.
/// </summary>
/// <remarks>
/// Configuration, in order (later wins): <c>Aspire:Confluent:Kafka:Producer</c> (or <c>:Consumer</c>), its
/// <c>:{connectionName}</c> sub-section, <c>ConnectionStrings:{connectionName}</c>, then <c>configureSettings</c>.
/// The client is built and validated on first resolve. Differences from Aspire: the health check asks the broker for
/// metadata instead of producing to <c>healthchecks-topic</c>, and librdkafka statistics always feed the
/// <see cref="KafkaClientMetrics.MeterName"/> meter (consumer lag, producer queue) unless <c>DisableMetrics</c>.
/// </remarks>
public static class KafkaClientExtensions
{
    /// <summary>The log category librdkafka's own log lines are written to.</summary>
    public const string LogCategory = "Aspire.Confluent.Kafka";

    /// <summary>Registers a singleton <see cref="IProducer{TKey,TValue}"/> and its settings for <paramref name="connectionName"/>.</summary>
    public static void AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null)
        => AddProducer(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>Registers a keyed singleton producer; <paramref name="name"/> is the service key and the connection name.</summary>
    public static void AddKeyedKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string name,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        AddProducer(builder, name, serviceKey: name, configureSettings, configureBuilder);
    }

    /// <summary>Registers a singleton <see cref="IConsumer{TKey,TValue}"/> and its settings for <paramref name="connectionName"/>.</summary>
    public static void AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null)
        => AddConsumer(builder, connectionName, serviceKey: null, configureSettings, configureBuilder);

    /// <summary>Registers a keyed singleton consumer; <paramref name="name"/> is the service key and the connection name.</summary>
    public static void AddKeyedKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string name,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        AddConsumer(builder, name, serviceKey: name, configureSettings, configureBuilder);
    }

    private static void AddProducer<TKey, TValue>(
        IHostApplicationBuilder builder,
        string connectionName,
        string? serviceKey,
        Action<KafkaProducerSettings>? configureSettings,
        Action<IServiceProvider, ProducerBuilder<TKey, TValue>>? configureBuilder)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var settings = new KafkaProducerSettings();
        Bind(builder.Configuration, KafkaProducerSettings.SectionName, connectionName, settings, settings.Config);
        settings.ConnectionString = builder.Configuration.GetConnectionString(connectionName) ?? settings.ConnectionString;
        configureSettings?.Invoke(settings);
        settings.Consolidate();

        IProducer<TKey, TValue> Create(IServiceProvider sp)
        {
            settings.Validate(connectionName);
            var producerBuilder = new ProducerBuilder<TKey, TValue>(settings.Config);
            configureBuilder?.Invoke(sp, producerBuilder);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
            var notices = sp.GetRequiredService<KafkaConnectionNotices>();
            TrySet(logger, () => producerBuilder.SetLogHandler((_, message) => KafkaClientLog.Write(logger, message, notices)));
            if (!settings.DisableMetrics)
            {
                var metrics = sp.GetRequiredService<KafkaClientMetrics>();
                TrySet(logger, () => producerBuilder.SetStatisticsHandler((_, json) => metrics.Record(json, groupId: null)));
            }

            return producerBuilder.Build();
        }

        Register(builder, serviceKey, settings, Create);
        AddCommon(builder, "Producer", connectionName, serviceKey, settings.DisableMetrics, settings.DisableHealthChecks, settings.Config);
    }

    private static void AddConsumer<TKey, TValue>(
        IHostApplicationBuilder builder,
        string connectionName,
        string? serviceKey,
        Action<KafkaConsumerSettings>? configureSettings,
        Action<IServiceProvider, ConsumerBuilder<TKey, TValue>>? configureBuilder)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionName);
        var settings = new KafkaConsumerSettings();
        Bind(builder.Configuration, KafkaConsumerSettings.SectionName, connectionName, settings, settings.Config);
        settings.ConnectionString = builder.Configuration.GetConnectionString(connectionName) ?? settings.ConnectionString;
        configureSettings?.Invoke(settings);
        settings.Consolidate();

        IConsumer<TKey, TValue> Create(IServiceProvider sp)
        {
            settings.Validate(connectionName);
            var consumerBuilder = new ConsumerBuilder<TKey, TValue>(settings.Config);
            configureBuilder?.Invoke(sp, consumerBuilder);
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
            var notices = sp.GetRequiredService<KafkaConnectionNotices>();
            TrySet(logger, () => consumerBuilder.SetLogHandler((_, message) => KafkaClientLog.Write(logger, message, notices)));
            if (!settings.DisableMetrics)
            {
                var metrics = sp.GetRequiredService<KafkaClientMetrics>();
                var groupId = settings.Config.GroupId;
                TrySet(logger, () => consumerBuilder.SetStatisticsHandler((_, json) => metrics.Record(json, groupId)));
            }

            return consumerBuilder.Build();
        }

        Register(builder, serviceKey, settings, Create);
        AddCommon(builder, "Consumer", connectionName, serviceKey, settings.DisableMetrics, settings.DisableHealthChecks, settings.Config);
    }

    private static void Bind(IConfiguration configuration, string sectionName, string connectionName, object settings, ClientConfig config)
    {
        var section = configuration.GetSection(sectionName);
        var named = section.GetSection(connectionName);
        section.Bind(settings);
        named.Bind(settings);

        // Config is get-only, which the binder skips (dotnet/runtime#96652), so bind it explicitly as Aspire does.
        section.GetSection("Config").Bind(config);
        named.GetSection("Config").Bind(config);
    }

    private static void Register<TSettings, TClient>(
        IHostApplicationBuilder builder, string? serviceKey, TSettings settings, Func<IServiceProvider, TClient> create)
        where TSettings : class
        where TClient : class
    {
        if (serviceKey is null)
        {
            builder.Services.AddSingleton(settings);
            builder.Services.AddSingleton(create);
        }
        else
        {
            builder.Services.AddKeyedSingleton(serviceKey, settings);
            builder.Services.AddKeyedSingleton(serviceKey, (sp, _) => create(sp));
        }
    }

    private static void AddCommon(
        IHostApplicationBuilder builder,
        string role,
        string connectionName,
        string? serviceKey,
        bool disableMetrics,
        bool disableHealthChecks,
        ClientConfig config)
    {
        if (!disableMetrics)
        {
            builder.Services.TryAddSingleton<KafkaClientMetrics>();
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<KafkaConnectionNotices>();

        if (disableHealthChecks)
        {
            return;
        }

        // Same names as Aspire.Confluent.Kafka: one check per role, or per role and connection for keyed clients.
        var name = serviceKey is null ? $"Aspire.Confluent.Kafka.{role}" : $"Aspire.Confluent.Kafka.{role}_{connectionName}";
        var checkConfig = KafkaHealthCheck.ConnectionSettingsOf(config);
        // One check, and so one admin client and one connection, for the life of the service: the health service
        // calls the factory on every probe, and a new librdkafka client per probe costs threads, a connection and
        // start-up CPU each time (and is only freed by its finalizer). The container disposes it at shutdown.
        builder.Services.TryAddKeyedSingleton(name, (sp, _) => new KafkaHealthCheck(
            checkConfig, sp.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory), sp.GetRequiredService<KafkaConnectionNotices>()));
        builder.Services.Configure<HealthCheckServiceOptions>(options =>
        {
            if (options.Registrations.All(r => r.Name != name))
            {
                options.Registrations.Add(new HealthCheckRegistration(
                    name, services => services.GetRequiredKeyedService<KafkaHealthCheck>(name), failureStatus: null, tags: ["kafka"]));
            }
        });
    }

    private static void TrySet(ILogger logger, Action set)
    {
        try
        {
            set();
        }
        catch (InvalidOperationException)
        {
            // configureBuilder already installed its own handler; keep it, as Aspire does.
            KafkaClientLog.HandlerAlreadySet(logger);
        }
    }
}
