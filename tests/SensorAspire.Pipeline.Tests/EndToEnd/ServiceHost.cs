using SensorAspire.Testing;
using System.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace SensorAspire.Pipeline.Tests.EndToEnd;

/// <summary>
/// A real service host (its own Program.cs) in the test process, configured like the AppHost would:
/// <c>ConnectionStrings:kafka</c> plus per-test topics and short client timeouts. <typeparamref name="TEntry"/> is any
/// public type of the service's assembly (both services have a global Program type, so that cannot be used).
/// <paramref name="configureServices"/> adds test services, such as fake logging.
/// </summary>
internal sealed class ServiceHost<TEntry>(
    IReadOnlyDictionary<string, string?> settings, SpanCollector? spans = null, Action<IServiceCollection>? configureServices = null)
    : WebApplicationFactory<TEntry> where TEntry : class
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            if (spans is not null)
            {
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
            }

            configureServices?.Invoke(services);
        });
    }

    /// <summary>Builds the host and starts its hosted services.</summary>
    public ServiceHost<TEntry> Start()
    {
        _ = Services;
        return this;
    }
}

/// <summary>Thread-safe span sink for the in-memory exporter, with a signal on every new span.</summary>
internal sealed class SpanCollector : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];
    private readonly SemaphoreSlim _added = new(0);

    public int Count
    {
        get
        {
            lock (_spans)
            {
                return _spans.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        lock (_spans)
        {
            _spans.Add(item);
        }

        _added.Release();
    }

    public List<Activity> Snapshot()
    {
        lock (_spans)
        {
            return [.. _spans];
        }
    }

    /// <summary>Waits, on every span exported, until <paramref name="found"/> returns a value.</summary>
    public Task<T> WaitForAsync<T>(Func<List<Activity>, T?> found) where T : class
        => Wait.ForAsync(() => found(Snapshot()), ct => _added.WaitAsync(ct), "the expected spans", PipelineScenario.Timeout);

    public void Clear()
    {
        lock (_spans)
        {
            _spans.Clear();
        }
    }

    public bool Contains(Activity item) => Snapshot().Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    public bool Remove(Activity item)
    {
        lock (_spans)
        {
            return _spans.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
