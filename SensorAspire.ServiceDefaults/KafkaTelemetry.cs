using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using OpenTelemetry.Context.Propagation;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Messaging spans for Kafka, per the OpenTelemetry messaging semantic conventions
/// (<see cref="SemanticConventionsVersion"/>, https://opentelemetry.io/docs/specs/semconv/messaging/kafka/),
/// with W3C trace context carried in message headers.
/// </summary>
/// <remarks>
/// Each service passes its own <see cref="ActivitySource"/> (named after the service, so ServiceDefaults collects it).
/// A process span is a CHILD of the producer's context and also LINKS to it: the conventions ask only for the link,
/// but the child relation makes the dashboard show one trace per reading (simulator send, aggregator process,
/// aggregator send, chart process). Aspire.Confluent.Kafka instead starts a new trace with only a link.
/// </remarks>
public static class KafkaTelemetry
{
    /// <summary>The semantic-conventions release whose messaging names these spans follow.</summary>
    public const string SemanticConventionsVersion = "1.45.0";

    // The W3C propagators directly: Propagators.DefaultTextMapPropagator is a no-op until the OpenTelemetry SDK
    // is initialised, which would silently cut traces in a process that has not built a TracerProvider yet.
    private static readonly TextMapPropagator s_propagator =
        new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]);

    private const string TraceParentHeader = "traceparent";
    private const string TraceStateHeader = "tracestate";
    private const int TraceParentLength = 55;

    private static readonly System.Buffers.SearchValues<byte> s_lowerHex = System.Buffers.SearchValues.Create("0123456789abcdef"u8);

    private static readonly ConcurrentDictionary<string, string> s_sendNames = new();
    private static readonly ConcurrentDictionary<string, string> s_processNames = new();

    /// <summary>
    /// Whether the tracer provider samples every span as its parent was sampled (OpenTelemetry's <c>parentbased_*</c>
    /// samplers; the SDK's default is <c>parentbased_always_on</c>). Then <see cref="StartProcess{TKey, TValue}(ActivitySource, ConsumeResult{TKey, TValue}, string?, bool, out ActivityContext)"/>
    /// starts no span for a message whose producer span was not sampled. Set by <c>ConfigureOpenTelemetry</c> from
    /// <c>OTEL_TRACES_SAMPLER</c>; false (a span for every message) otherwise.
    /// </summary>
    public static bool ParentBasedSampling { get; set; }

    /// <summary>
    /// Starts a <c>send {topic}</c> Producer span (child of <paramref name="parent"/>, or of <see cref="Activity.Current"/>
    /// when <paramref name="parent"/> is default) and writes its context into <paramref name="message"/>'s headers.
    /// Call <see cref="RecordDelivery"/> or <see cref="RecordError"/> when the delivery report arrives, then dispose.
    /// The span does not become <see cref="Activity.Current"/>, because it usually ends on the delivery-report thread.
    /// </summary>
    /// <param name="disableTracing">
    /// The producer's <see cref="KafkaProducerSettings.DisableTracing"/>: no span, but the parent context is still written
    /// into the headers, as Aspire.Confluent.Kafka does, so the trace continues downstream.
    /// </param>
    /// <returns>The span, or null when nobody listens or tracing is disabled (the parent context is still propagated).</returns>
    public static Activity? StartSend<TKey, TValue>(
        ActivitySource source,
        string topic,
        Message<TKey, TValue> message,
        ActivityContext parent = default,
        IEnumerable<ActivityLink>? links = null,
        bool disableTracing = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(message);
        Activity? activity = null;
        if (!disableTracing && source.HasListeners())
        {
            // The span ends in the delivery report, on another thread: it must not stay Activity.Current here, or the
            // next send on this thread would become its child.
            var previous = Activity.Current;
            activity = source.StartActivity(s_sendNames.GetOrAdd(topic, static t => "send " + t), ActivityKind.Producer, parent, links: links);
            Activity.Current = previous;
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.name", "send");
            activity.SetTag("messaging.operation.type", "send");
            activity.SetTag("messaging.destination.name", topic);
            if (KeyString(message.Key) is { } key)
            {
                activity.SetTag("messaging.kafka.message.key", key);
            }
        }

        var context = activity?.Context ?? (parent != default ? parent : Activity.Current?.Context ?? default);
        if (context != default)
        {
            message.Headers ??= [];
            Inject(context, message.Headers);
        }

        return activity;
    }

    /// <summary>Adds the partition and offset the broker assigned to a sent message.</summary>
    public static void RecordDelivery(Activity? activity, TopicPartitionOffset delivered)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.destination.partition.id", delivered.Partition.Value.ToString(CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", delivered.Offset.Value);
        }
    }

    /// <summary>Marks a span failed: <c>error.type</c>, the exception event, status Error.</summary>
    public static void RecordError(Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("error.type", exception is KafkaException k ? k.Error.Code.ToString() : exception.GetType().FullName);
        activity.AddException(exception);
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
    }

    /// <summary>
    /// Starts a <c>process {topic}</c> Consumer span for a consumed message: a child of the context found in the
    /// message headers, with a link to it. Without a context in the headers the span starts a new trace. With
    /// <paramref name="disableTracing"/> (the consumer's <see cref="KafkaConsumerSettings.DisableTracing"/>) there is no
    /// span; <see cref="ContextToContinue"/> still carries the producer's context on.
    /// </summary>
    public static Activity? StartProcess<TKey, TValue>(ActivitySource source, ConsumeResult<TKey, TValue> result, string? consumerGroup, bool disableTracing = false)
        => StartProcess(source, result, consumerGroup, disableTracing, out _);

    /// <summary>
    /// As <see cref="StartProcess{TKey, TValue}(ActivitySource, ConsumeResult{TKey, TValue}, string?, bool)"/>, and gives
    /// the trace context to continue (<see cref="ContextToContinue"/>) without reading the headers twice: the process
    /// span's; or the producer's context itself when tracing is disabled, or when <see cref="ParentBasedSampling"/> and
    /// the producer's span was not sampled (no process span is started: it could not be sampled).
    /// </summary>
    public static Activity? StartProcess<TKey, TValue>(
        ActivitySource source, ConsumeResult<TKey, TValue> result, string? consumerGroup, bool disableTracing, out ActivityContext trace)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(result);
        trace = default;
        if (disableTracing)
        {
            trace = ExtractContext(result.Message?.Headers);
            return null;
        }

        if (!source.HasListeners())
        {
            return null;
        }

        var producer = ExtractContext(result.Message?.Headers);
        if (ParentBasedSampling && producer != default && (producer.TraceFlags & ActivityTraceFlags.Recorded) == 0)
        {
            // Most messages under head sampling: the span would be created only to be dropped.
            trace = producer;
            return null;
        }
        var name = s_processNames.GetOrAdd(result.Topic, static t => "process " + t);
        var activity = source.StartActivity(name, ActivityKind.Consumer, producer);
        if (activity is { IsAllDataRequested: true })
        {
            // The link is added once the span is known to be recorded (no samplers here look at links), so an
            // unsampled message allocates none.
            if (producer != default)
            {
                activity.AddLink(new ActivityLink(producer));
            }

            activity.SetTag("messaging.system", "kafka");
            activity.SetTag("messaging.operation.name", "process");
            activity.SetTag("messaging.operation.type", "process");
            activity.SetTag("messaging.destination.name", result.Topic);
            activity.SetTag("messaging.destination.partition.id", result.Partition.Value.ToString(CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", result.Offset.Value);
            if (consumerGroup is not null)
            {
                activity.SetTag("messaging.consumer.group.name", consumerGroup);
            }

            if (KeyString(result.Message is null ? default : result.Message.Key) is { } key)
            {
                activity.SetTag("messaging.kafka.message.key", key);
            }
        }

        trace = activity?.Context ?? default;
        return activity;
    }

    /// <summary>
    /// The trace context that work done for a consumed message (e.g. the messages it causes) continues: its process
    /// span's, or, when the consumer's tracing is disabled or the producer's span was not sampled under
    /// <see cref="ParentBasedSampling"/>, the producer's context from the message headers, so a trace still connects
    /// across a service that records no spans. Default when there is none.
    /// </summary>
    public static ActivityContext ContextToContinue<TKey, TValue>(Activity? process, ConsumeResult<TKey, TValue> result, bool disableTracing)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (process is not null)
        {
            return process.Context;
        }

        var producer = disableTracing || ParentBasedSampling ? ExtractContext(result.Message?.Headers) : default;
        return disableTracing || (producer.TraceFlags & ActivityTraceFlags.Recorded) == 0 ? producer : default;
    }

    /// <summary>Reads the W3C trace context (<c>traceparent</c>/<c>tracestate</c>) from Kafka headers; default if absent.</summary>
    public static ActivityContext ExtractContext(Headers? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return default;
        }

        // Every message carries a traceparent: the usual one (version 00, no tracestate) is read from its bytes without
        // allocating; anything else goes through the propagator, which decides exactly as before.
        if (headers.TryGetLastBytes(TraceParentHeader, out var traceParent)
            && !headers.TryGetLastBytes(TraceStateHeader, out _)
            && TryParseTraceParent(traceParent, out var context))
        {
            return context;
        }

        return s_propagator.Extract(default, headers, static (h, key) =>
            h.TryGetLastBytes(key, out var value) ? [Encoding.UTF8.GetString(value)] : []).ActivityContext;
    }

    /// <summary>Writes <paramref name="context"/> into Kafka headers, replacing earlier trace headers.</summary>
    public static void Inject(ActivityContext context, Headers headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var baggage = OpenTelemetry.Baggage.Current;
        if (string.IsNullOrEmpty(context.TraceState) && baggage.Count == 0 && context.TraceId != default && context.SpanId != default)
        {
            // The usual case, written as the propagator would write it (W3C Trace Context: version 00).
            headers.Remove(TraceParentHeader);
            headers.Add(TraceParentHeader, FormatTraceParent(context));
            return;
        }

        s_propagator.Inject(new PropagationContext(context, baggage), headers, static (h, key, value) =>
        {
            h.Remove(key);
            h.Add(key, Encoding.UTF8.GetBytes(value));
        });
    }

    /// <summary><c>00-{trace-id}-{parent-id}-{trace-flags}</c> in lowercase hex (W3C Trace Context, "traceparent Header").</summary>
    internal static byte[] FormatTraceParent(in ActivityContext context)
    {
        var header = new byte[TraceParentLength];
        Span<byte> id = stackalloc byte[16];
        "00-"u8.CopyTo(header);
        context.TraceId.CopyTo(id);
        WriteHex(id, header.AsSpan(3, 32));
        header[35] = (byte)'-';
        context.SpanId.CopyTo(id[..8]);
        WriteHex(id[..8], header.AsSpan(36, 16));
        header[52] = (byte)'-';
        WriteHex([(byte)(context.TraceFlags & ActivityTraceFlags.Recorded)], header.AsSpan(53, 2));
        return header;
    }

    /// <summary>
    /// Parses a version-00 traceparent of exactly 55 lowercase-hex characters with non-zero ids; false for anything
    /// else (other versions, invalid ids), which the propagator then handles.
    /// </summary>
    internal static bool TryParseTraceParent(ReadOnlySpan<byte> header, out ActivityContext context)
    {
        context = default;
        if (header.Length != TraceParentLength || !header.StartsWith("00-"u8) || header[35] != '-' || header[52] != '-'
            || !IsLowerHex(header.Slice(3, 32)) || !IsLowerHex(header.Slice(36, 16)) || !IsLowerHex(header.Slice(53, 2))
            || header.Slice(3, 32).IndexOfAnyExcept((byte)'0') < 0 || header.Slice(36, 16).IndexOfAnyExcept((byte)'0') < 0)
        {
            return false;
        }

        var flags = (HexValue(header[53]) << 4) | HexValue(header[54]);
        context = new ActivityContext(
            ActivityTraceId.CreateFromUtf8String(header.Slice(3, 32)),
            ActivitySpanId.CreateFromUtf8String(header.Slice(36, 16)),
            (ActivityTraceFlags)(flags & (int)ActivityTraceFlags.Recorded),
            traceState: null,
            isRemote: true);
        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<byte> text) => text.IndexOfAnyExcept(s_lowerHex) < 0;

    private static int HexValue(byte c) => c <= '9' ? c - '0' : c - 'a' + 10;

    private static void WriteHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = "0123456789abcdef"u8[bytes[i] >> 4];
            destination[(2 * i) + 1] = "0123456789abcdef"u8[bytes[i] & 0xF];
        }
    }

    // Semconv: the key only when it has an unambiguous string form.
    private static string? KeyString<TKey>(TKey key) => key switch
    {
        string s => s,
        int or long => Convert.ToString(key, CultureInfo.InvariantCulture),
        _ => null,
    };
}
