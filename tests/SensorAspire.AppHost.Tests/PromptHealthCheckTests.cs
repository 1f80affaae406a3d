using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace SensorAspire.AppHost.Tests;

/// <summary>
/// Every health check of the AppHost keeps trying within one run (PromptHealthChecks), so a resource is reported healthy
/// at its first success rather than at Aspire's next retry, 1 to 5 s later.
/// </summary>
public sealed class PromptHealthCheckTests
{
    [Fact]
    public async Task ACheckThatSucceedsWhileRetryingReportsHealthyInTheSameRun()
    {
        var inner = new CountingCheck(healthyFromAttempt: 3);

        var result = await RunAsync(inner);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(3, inner.Attempts);
    }

    [Fact]
    public async Task ACheckThatKeepsFailingReportsTheFailureOnceItsPatienceRunsOut()
    {
        var inner = new CountingCheck(healthyFromAttempt: int.MaxValue);

        var result = await RunAsync(inner);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal(PromptHealthChecks.Patience / PromptHealthChecks.RetryInterval, inner.Attempts);
    }

    [Fact]
    public async Task EveryHealthCheckOfTheAppHostIsPrompt()
    {
        await using var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SensorAspire_AppHost>(
            [], TestContext.Current.CancellationToken);
        await using var services = appHost.Services.BuildServiceProvider();

        var registrations = services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;

        var keys = appHost.Resources.SelectMany(r => r.Annotations.OfType<HealthCheckAnnotation>()).Select(a => a.Key).ToHashSet();
        Assert.Equal(4, keys.Count); // kafka and the three services
        Assert.All(registrations.Where(r => keys.Contains(r.Name)),
            r => Assert.IsType<PromptHealthChecks.PromptHealthCheck>(r.Factory(services)));
    }

    /// <summary>One run of the prompt check around <paramref name="inner"/>, the clock moved on after each attempt.</summary>
    private static async Task<HealthCheckResult> RunAsync(CountingCheck inner)
    {
        var time = new FakeTimeProvider();
        var check = new PromptHealthChecks.PromptHealthCheck(inner, time);
        var run = check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);
        while (!run.IsCompleted)
        {
            await inner.Attempted.WaitAsync(TestContext.Current.CancellationToken);
            time.Advance(PromptHealthChecks.RetryInterval);
        }

        return await run;
    }

    /// <summary>Unhealthy until its <c>healthyFromAttempt</c>-th call; signals each call.</summary>
    private sealed class CountingCheck(int healthyFromAttempt) : IHealthCheck
    {
        public int Attempts { get; private set; }

        public SemaphoreSlim Attempted { get; } = new(0);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Attempts++;
            Attempted.Release();
            return Task.FromResult(Attempts >= healthyFromAttempt ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("not yet"));
        }
    }
}
