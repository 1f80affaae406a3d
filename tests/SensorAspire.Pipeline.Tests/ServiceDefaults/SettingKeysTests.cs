using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using SensorAspire.ServiceDefaults;
using SensorAspire.Simulator;

namespace SensorAspire.Pipeline.Tests.ServiceDefaults;

public sealed class SettingKeysTests
{
    [Fact]
    public void OldKeyAloneIsUsedWithAWarningNamingTheNewKey()
    {
        using var host = Build(new() { ["Test:OldName"] = "from-old" }, options => options.WithOldKey("Test:OldName", "Test:NewName", (o, v) => o.NewName = v));

        Assert.Equal("from-old", host.Services.GetRequiredService<IOptions<TestOptions>>().Value.NewName);
        var warning = Assert.Single(Warnings(host));
        Assert.Contains("set Test:NewName instead", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void NewKeyWinsOverTheOldOneAndTheOldOneIsReported()
    {
        using var host = Build(new() { ["Test:OldName"] = "from-old", ["Test:NewName"] = "from-new" },
            options => options.WithOldKey("Test:OldName", "Test:NewName", (o, v) => o.NewName = v));

        Assert.Equal("from-new", host.Services.GetRequiredService<IOptions<TestOptions>>().Value.NewName);
        var warning = Assert.Single(Warnings(host));
        Assert.Contains("Test:OldName is ignored", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsetOldKeyLogsNothing()
    {
        using var host = Build(new() { ["Test:NewName"] = "from-new" }, options => options.WithOldKey("Test:OldName", "Test:NewName", (o, v) => o.NewName = v));

        Assert.Equal("from-new", host.Services.GetRequiredService<IOptions<TestOptions>>().Value.NewName);
        Assert.Empty(Warnings(host));
    }

    [Theory]
    [InlineData("Simulator:Partitions", "Aggregator:Partitions")]
    [InlineData("Simulator:CreateTopics", "Aggregator:CreateTopics")]
    public void SimulatorTopicKeysWarnThatTheAggregatorOwnsTheTopic(string removedKey, string replacement)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [removedKey] = "4", ["ConnectionStrings:kafka"] = "127.0.0.1:1" });
        builder.Logging.AddFakeLogging();
        builder.AddSimulatorServices();
        using var host = builder.Build();

        _ = host.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value;

        var warning = Assert.Single(Warnings(host));
        Assert.Contains($"{removedKey} no longer has an effect", warning, StringComparison.Ordinal);
        Assert.Contains(replacement, warning, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<OptionsBuilder<TestOptions>> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddFakeLogging();
        var options = builder.Services.AddOptions<TestOptions>().Configure<IConfiguration>((o, c) => o.NewName = c["Test:NewName"]);
        configure(options);
        return builder.Build();
    }

    private static List<string> Warnings(IHost host) =>
    [
        .. host.Services.GetFakeLogCollector().GetSnapshot()
            .Where(r => r.Category == SettingKeys.LogCategory && r.Level == LogLevel.Warning)
            .Select(r => r.Message),
    ];

    public sealed class TestOptions
    {
        public string? NewName { get; set; }
    }
}
