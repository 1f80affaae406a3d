using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

/// <summary>
/// A handler that works on messages and never touches bytes: it declares its API key and supported version range in its
/// class line (kfake's <c>regKey</c>), which is what ApiVersions advertises through <see cref="ApiRegistry"/>; it gets
/// the generated request type decoded for the negotiated version, and the connection encodes its response for the
/// same version.
/// </summary>
internal abstract class ApiHandler<TRequest, TResponse>(short apiKey, short minVersion, short maxVersion) : IApiHandler
    where TRequest : IKafkaMessage, new()
    where TResponse : class, IKafkaMessage
{
    public short ApiKey { get; } = apiKey;

    public short MinVersion { get; } = minVersion;

    public short MaxVersion { get; } = maxVersion;

    public ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, KafkaReader body)
    {
        var request = new TRequest();
        request.Read(body, context.ApiVersion);
        var pending = HandleAsync(context, request);
        return pending.IsCompletedSuccessfully ? new ValueTask<IKafkaMessage?>(pending.Result) : AwaitAsync(pending);

        static async ValueTask<IKafkaMessage?> AwaitAsync(ValueTask<TResponse?> pending) => await pending;
    }

    /// <summary>Answers one request. Complete synchronously when possible; park (await) only for long-polls and group barriers.</summary>
    protected abstract ValueTask<TResponse?> HandleAsync(RequestContext context, TRequest request);
}
