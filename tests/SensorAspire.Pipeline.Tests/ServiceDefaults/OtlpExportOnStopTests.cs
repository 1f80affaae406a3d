using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using System.Text;
using Microsoft.Extensions.Logging;
using SensorAspire.Testing;

namespace SensorAspire.Pipeline.Tests.ServiceDefaults;

/// <summary>
/// A service's telemetry still in the exporters' batches when it stops is sent as the host is disposed, over OTLP/HTTP
/// as the chart exports (the dashboard's endpoint that browsers can reach too).
/// </summary>
public sealed class OtlpExportOnStopTests
{
    [Fact]
    public async Task LogsStillBatchedWhenTheServiceStopsReachTheCollector()
    {
        using var collector = new OtlpHttpCollector();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        });
        builder.AddServiceDefaults();

        using (var host = builder.Build())
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("stop-test");
            // A first export while running, as every service makes: it sets up the exporter's HTTP client.
            logger.LogWarning("the first words");
            await Wait.UntilAsync(() => collector.Received("the first words"), "the first log export");

            logger.LogWarning("the last words");
            await host.StopAsync(TestContext.Current.CancellationToken);
        }

        // The last batch goes out as the host is disposed, after the HTTP resilience pipeline (created with the
        // exporter's first request) was disposed: the exporter's client must not depend on it.
        Assert.True(collector.Received("the last words"), $"export requests received: {collector.Requests}");
    }

    /// <summary>Accepts OTLP/HTTP export requests on a free loopback port and keeps their bodies.</summary>
    private sealed class OtlpHttpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<byte[]> _bodies = [];
        private readonly Task _serving;

        public OtlpHttpCollector()
        {
            var port = FreePorts.Next();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _serving = ServeAsync();
        }

        public string Url { get; }

        public int Requests
        {
            get
            {
                lock (_bodies)
                {
                    return _bodies.Count;
                }
            }
        }

        /// <summary>Whether an export request carried <paramref name="text"/> (protobuf keeps strings as UTF-8).</summary>
        public bool Received(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            lock (_bodies)
            {
                return _bodies.Any(body => body.AsSpan().IndexOf(bytes) >= 0);
            }
        }

        public void Dispose()
        {
            _listener.Close();
            _ = _serving.Exception;
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                var context = await _listener.GetContextAsync();
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                lock (_bodies)
                {
                    _bodies.Add(body.ToArray());
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
    }
}
