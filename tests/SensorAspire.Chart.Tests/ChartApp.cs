using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace SensorAspire.Chart.Tests;

/// <summary>The chart service on a real Kestrel port (not TestServer), reading <paramref name="topic"/> from the broker.</summary>
/// <param name="configureServices">Added to the chart's own services, after its registrations (e.g. a span exporter).</param>
public sealed class ChartApp(
    string bootstrapServers, string topic, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    : WebApplicationFactory<Program>
{
    public string Topic { get; } = topic;

    /// <summary>Where Kestrel listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Starts Kestrel on a free loopback port; the window consumer starts with it.</summary>
    public ChartApp Start()
    {
        // Listen explicitly rather than UseKestrel(0): with a port, the factory rewrites the server addresses after
        // start-up has begun, which races with minimal hosting's own start and fails now and then.
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address + "/");
        return this;
    }

    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:kafka", bootstrapServers);
        builder.UseSetting("Chart:WindowsTopic", Topic);
        builder.UseSetting("Chart:PartitionRefreshInterval", "00:00:01");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        if (configureServices is not null)
        {
            builder.ConfigureServices(configureServices);
        }
    }
}
