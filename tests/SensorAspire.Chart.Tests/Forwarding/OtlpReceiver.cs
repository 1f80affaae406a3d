using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SensorAspire.Testing;

namespace SensorAspire.Chart.Tests.Forwarding;

/// <summary>One request as the receiver got it.</summary>
public sealed record ReceivedExport(string Path, string? ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// A real OTLP/HTTP receiver on a loopback Kestrel port: every POST is recorded (path, headers, body) and answered as
/// an OTLP/HTTP collector answers a full success (200, an empty protobuf <c>Export*ServiceResponse</c>). It can be made
/// to hold its answers, as a slow collector does.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedExport> _received = new();
    private readonly SemaphoreSlim _changed = new(0);
    private TaskCompletionSource _answer = CompletedGate();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base URL, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> takes it (signals append <c>/v1/traces</c> etc.).</summary>
    public string Endpoint { get; private set; } = "";

    public IReadOnlyList<ReceivedExport> Received => [.. _received];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/{**path}", receiver.ReceiveAsync);
        await app.StartAsync();
        receiver.Endpoint = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return receiver;
    }

    /// <summary>From now on every request is recorded at once but answered only after <see cref="Release"/>.</summary>
    public void Hold() => _answer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Answers every held request and the ones after.</summary>
    public void Release() => _answer.TrySetResult();

    /// <summary>Waits, on each request's arrival, until a recorded request matches.</summary>
    public Task<ReceivedExport> WaitForAsync(Func<ReceivedExport, bool> match, string what)
        => Wait.ForAsync(() => _received.FirstOrDefault(match), ct => _changed.WaitAsync(ct), what);

    /// <summary>Waits until at least <paramref name="count"/> matching requests have arrived.</summary>
    public Task WaitForCountAsync(Func<ReceivedExport, bool> match, int count, string what)
        => Wait.ForAsync(() => _received.Count(match) >= count ? _received : null, ct => _changed.WaitAsync(ct), what);

    private async Task ReceiveAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _received.Enqueue(new ReceivedExport(context.Request.Path, context.Request.ContentType, headers, body.ToArray()));
        _changed.Release();
        await _answer.Task.WaitAsync(context.RequestAborted);
        context.Response.ContentType = "application/x-protobuf";
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _changed.Dispose();
    }
}
