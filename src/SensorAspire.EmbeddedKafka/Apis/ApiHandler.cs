using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Apis;

/// <summary>
/// Base for a handler of one API: decodes the generated request type for the negotiated version, and the connection
/// encodes the response for the same version. Handlers work on messages and never touch bytes.
/// </summary>
internal abstract class ApiHandler<TRequest, TResponse> : IApiHandler
    where TRequest : IKafkaMessage, new()
    where TResponse : class, IKafkaMessage
{
    public abstract short ApiKey { get; }

    public abstract short MinVersion { get; }

    public abstract short MaxVersion { get; }

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
