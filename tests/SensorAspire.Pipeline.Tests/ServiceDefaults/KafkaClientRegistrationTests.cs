using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Pipeline.Tests.ServiceDefaults;

public sealed class KafkaClientRegistrationTests
{
    private static HostApplicationBuilder Builder(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(null);
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return builder;
    }

    [Fact]
    public void ConnectionStringBecomesBootstrapServersAndWinsOverTheSection()
    {
        var builder = Builder(
            ("Aspire:Confluent:Kafka:Producer:ConnectionString", "unused:1"),
            ("Aspire:Confluent:Kafka:Producer:Config:LingerMs", "7"),
            ("Aspire:Confluent:Kafka:Producer:kafka:Config:Acks", "Leader"),
            ("ConnectionStrings:kafka", "broker:9092"));

        builder.AddKafkaProducer<string, string>("kafka");
        using var host = builder.Build();
        var settings = host.Services.GetRequiredService<KafkaProducerSettings>();

        Assert.Equal("broker:9092", settings.Config.BootstrapServers);
        Assert.Equal(7, settings.Config.LingerMs);
        Assert.Equal(Acks.Leader, settings.Config.Acks);
        Assert.Equal(1000, settings.Config.StatisticsIntervalMs);
    }

    [Fact]
    public void CodeDelegateRunsAfterConfiguration()
    {
        var builder = Builder(("ConnectionStrings:kafka", "broker:9092"), ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", "from-config"));

        builder.AddKafkaConsumer<string, string>("kafka", s => s.Config.GroupId ??= "from-code");
        using var host = builder.Build();

        Assert.Equal("from-config", host.Services.GetRequiredService<KafkaConsumerSettings>().Config.GroupId);
    }

    [Fact]
    public void KeyedConsumerReadsItsNamedSection()
    {
        var builder = Builder(
            ("ConnectionStrings:events", "events:9092"),
            ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", "shared"),
            ("Aspire:Confluent:Kafka:Consumer:events:Config:GroupId", "events-group"),
            ("Aspire:Confluent:Kafka:Consumer:events:DisableMetrics", "true"));

        builder.AddKeyedKafkaConsumer<string, string>("events");
        using var host = builder.Build();
        var settings = host.Services.GetRequiredKeyedService<KafkaConsumerSettings>("events");

        Assert.Equal("events:9092", settings.Config.BootstrapServers);
        Assert.Equal("events-group", settings.Config.GroupId);
        Assert.True(settings.DisableMetrics);
        Assert.Null(settings.Config.StatisticsIntervalMs);
    }

    [Fact]
    public void MissingBootstrapServersNamesTheConnectionStringKey()
    {
        var builder = Builder();
        builder.AddKafkaProducer<string, string>("kafka");
        using var host = builder.Build();

        var ex = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<IProducer<string, string>>());

        Assert.Contains("ConnectionStrings:kafka", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingGroupIdNamesTheGroupIdKey()
    {
        var builder = Builder(("ConnectionStrings:kafka", "broker:9092"));
        builder.AddKafkaConsumer<string, string>("kafka");
        using var host = builder.Build();

        var ex = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<IConsumer<string, string>>());

        Assert.Contains("Aspire:Confluent:Kafka:Consumer:Config:GroupId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HealthChecksUseAspiresNamesUnlessDisabled()
    {
        var builder = Builder(("ConnectionStrings:kafka", "broker:9092"), ("ConnectionStrings:other", "broker:9093"));
        builder.Services.AddHealthChecks();

        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddKafkaConsumer<string, string>("kafka", s => { s.Config.GroupId = "g"; s.DisableHealthChecks = true; });
        builder.AddKeyedKafkaProducer<string, string>("other");
        using var host = builder.Build();
        var names = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations.Select(r => r.Name);

        Assert.Equal(["Aspire.Confluent.Kafka.Producer", "Aspire.Confluent.Kafka.Producer_other"], names.Order());
    }

    [Fact]
    public void EveryProbeUsesTheSameKafkaCheckAndSoOneAdminClient()
    {
        var builder = Builder(("ConnectionStrings:kafka", "broker:9092"));
        builder.Services.AddHealthChecks();
        builder.AddKafkaProducer<string, string>("kafka");
        using var host = builder.Build();
        var registration = Assert.Single(host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations);

        // The health service calls the factory on every probe.
        using var firstProbe = host.Services.CreateScope();
        using var secondProbe = host.Services.CreateScope();

        Assert.Same(registration.Factory(firstProbe.ServiceProvider), registration.Factory(secondProbe.ServiceProvider));
    }

    [Fact]
    public void BareAndKeyValueConnectionStringsAreBothUnderstood()
    {
        var builder = Builder(("ConnectionStrings:kafka", "BootstrapServers=b1:9092,b2:9092;SecurityProtocol=SaslPlaintext;SaslMechanism=Plain;SaslUsername=u;SaslPassword=p"));

        builder.AddKafkaProducer<string, string>("kafka");
        using var host = builder.Build();
        var config = host.Services.GetRequiredService<KafkaProducerSettings>().Config;

        Assert.Equal("b1:9092,b2:9092", config.BootstrapServers);
        Assert.Equal(SecurityProtocol.SaslPlaintext, config.SecurityProtocol);
        Assert.Equal(("u", "p"), (config.SaslUsername, config.SaslPassword));
    }
}
