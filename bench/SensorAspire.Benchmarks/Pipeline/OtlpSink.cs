using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SensorAspire.Benchmarks;

/// <summary>
/// A local OTLP/gRPC collector that accepts every export and discards it, so the services' exporters do all their
/// work (batching, protobuf, HTTP/2) as they would against the Aspire dashboard or an OpenTelemetry Collector.
/// </summary>
/// <remarks>
/// The answer is an empty <c>Export*ServiceResponse</c>: a gRPC frame of length 0 (gRPC over HTTP/2, "Length-Prefixed-Message")
/// and <c>grpc-status: 0</c> in the trailers.
/// </remarks>
internal sealed class OtlpSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;
    private long _bytes;

    private OtlpSink(WebApplication app) => _app = app;

    public string Endpoint { get; private set; } = "";

    public long Requests => Interlocked.Read(ref _requests);

    public long Bytes => Interlocked.Read(ref _bytes);

    public static async Task<OtlpSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var sink = new OtlpSink(app);
        app.MapPost("/{**method}", sink.ExportAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        sink.Endpoint = address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return sink;
    }

    private async Task ExportAsync(HttpContext context)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
        {
            Interlocked.Add(ref _bytes, read);
        }

        Interlocked.Increment(ref _requests);
        context.Response.ContentType = "application/grpc";
        await context.Response.Body.WriteAsync(new byte[5]);
        context.Response.AppendTrailer("grpc-status", "0");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
