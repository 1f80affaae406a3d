using Aspire.Hosting.ApplicationModel;

namespace SensorAspire.AppHost;

internal static class ContainerPorts
{
    /// <summary>The port .NET's container images serve HTTP on (<c>ASPNETCORE_HTTP_PORTS</c>), and so every service's in a deployment.</summary>
    public const int Http = 8080;

    /// <summary>
    /// In a deployment, the service's HTTP endpoint is the container's port 8080. Named in the model, so that every
    /// <c>{service.bindings.http.targetPort}</c> in the published manifest resolves to a port instead of being left to a
    /// deployment tool's convention. In run mode DCP allocates the port, as before.
    /// </summary>
    public static IResourceBuilder<T> WithContainerHttpPort<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithEndpoints =>
        builder.ApplicationBuilder.ExecutionContext.IsRunMode ? builder : builder.WithEndpoint("http", e => e.TargetPort = Http);
}
