using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SensorAspire.AppHost;

/// <summary>
/// Makes every resource health check of the AppHost report a resource healthy within moments of it becoming so.
/// </summary>
/// <remarks>
/// Aspire's health monitor runs a failing check again only after 1, 2, 3, 4 and then every 5 seconds, so a resource
/// that becomes healthy just after a failed check is reported up to 5 s late, and everything waiting for it with it:
/// <c>WaitFor(kafka)</c> holds the three services back, and the chart's address is printed late. Each check here keeps
/// trying for a while before it reports a failure, so a resource starting up is seen healthy at the first success.
/// A resource that stays unhealthy is still reported so, once per attempt window.
/// </remarks>
internal static class PromptHealthChecks
{
    /// <summary>How long one health-check run keeps trying before it reports the failure.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>Pause between two tries within one run: short, because each try is one local request.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(50);

    private static readonly ConditionalWeakTable<HealthCheckRegistration, object> s_wrapped = [];

    /// <summary>Wraps every health check registered so far and later (Aspire's and ours) in <see cref="PromptHealthCheck"/>.</summary>
    public static IDistributedApplicationBuilder CheckHealthPromptly(this IDistributedApplicationBuilder builder)
    {
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations)
            {
                // Registrations are shared objects: options built a second time hold the same ones, already wrapped.
                if (!s_wrapped.TryAdd(registration, s_wrapped))
                {
                    continue;
                }

                var inner = registration.Factory;
                registration.Factory = services => new PromptHealthCheck(inner(services), services.GetService<TimeProvider>() ?? TimeProvider.System);
            }
        });
        return builder;
    }

    /// <summary>Runs <paramref name="inner"/> until it is healthy or <see cref="Patience"/> has passed.</summary>
    internal sealed class PromptHealthCheck(IHealthCheck inner, TimeProvider time) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var started = time.GetTimestamp();
            while (true)
            {
                var result = await inner.CheckHealthAsync(context, cancellationToken);
                if (result.Status == HealthStatus.Healthy || time.GetElapsedTime(started) + RetryInterval >= Patience)
                {
                    return result;
                }

                await Task.Delay(RetryInterval, time, cancellationToken);
            }
        }
    }
}
