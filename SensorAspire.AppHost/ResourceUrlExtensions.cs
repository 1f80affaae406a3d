using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SensorAspire.AppHost;

internal static partial class ResourceUrlExtensions
{
    /// <summary>
    /// Logs the resource's HTTP address once it is ready, beside the dashboard's login line, so that `dotnet run` tells a
    /// user where to look without opening the dashboard first.
    /// </summary>
    public static IResourceBuilder<T> PrintUrlWhenReady<T>(this IResourceBuilder<T> builder, string what)
        where T : IResourceWithEndpoints =>
        builder.OnResourceReady((resource, e, _) =>
        {
            var logger = e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SensorAspire.AppHost");
            LogReady(logger, what, resource.GetEndpoint("http").Url);
            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "{What} is at {Url}")]
    private static partial void LogReady(ILogger logger, string what, string url);
}
