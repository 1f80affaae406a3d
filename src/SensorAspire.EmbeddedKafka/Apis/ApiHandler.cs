using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

/// <summary>
/// One Kafka API as this broker serves it: the key and the versions it supports, declared once in the handler's class
/// line (kfake's <c>regKey</c>), and what ApiVersions advertises through <see cref="ApiRegistry"/>.
/// </summary>
internal abstract class ApiHandler(short apiKey, short minVersion, short maxVersion)
{
    public short ApiKey { get; } = apiKey;

    public short MinVersion { get; } = minVersion;

    public short MaxVersion { get; } = maxVersion;

    /// <summary>Reads the body and answers it; a null response means "send nothing" (Produce with acks=0).</summary>
    public abstract ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, KafkaReader body);
}

/// <summary>
/// A handler that works on messages and never touches bytes: it gets the generated request type decoded for the
/// negotiated version, and the connection encodes its response for the same version.
/// </summary>
internal abstract class ApiHandler<TRequest, TResponse>(short apiKey, short minVersion, short maxVersion)
    : ApiHandler(apiKey, minVersion, maxVersion)
    where TRequest : IKafkaMessage, new()
    where TResponse : class, IKafkaMessage
{
    public sealed override ValueTask<IKafkaMessage?> HandleAsync(RequestContext context, KafkaReader body)
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
