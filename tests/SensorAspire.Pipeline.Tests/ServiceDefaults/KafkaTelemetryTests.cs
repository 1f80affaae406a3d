using System.Diagnostics;
using Confluent.Kafka;
using SensorAspire.ServiceDefaults;

namespace SensorAspire.Pipeline.Tests.ServiceDefaults;

public sealed class KafkaTelemetryTests : IDisposable
{
    private readonly ActivitySource _source = new($"test-{Guid.NewGuid():N}");
    private readonly List<Activity> _stopped = [];
    private readonly ActivityListener _listener;

    public KafkaTelemetryTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s == _source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
    }

    [Fact]
    public void SendSpanFollowsTheConventionsAndPutsItsContextInTheHeaders()
    {
        var message = new Message<string, string> { Key = "temp1", Value = "{}" };

        using (var send = KafkaTelemetry.StartSend(_source, "sensor-readings", message))
        {
            KafkaTelemetry.RecordDelivery(send, new TopicPartitionOffset("sensor-readings", 3, 42));
            Assert.Null(Activity.Current);
            var propagated = KafkaTelemetry.ExtractContext(message.Headers);
            Assert.Equal((send!.TraceId, send.SpanId), (propagated.TraceId, propagated.SpanId));
        }

        var span = Assert.Single(_stopped);
        Assert.Equal("send sensor-readings", span.DisplayName);
        Assert.Equal(ActivityKind.Producer, span.Kind);
        Assert.Equal("kafka", span.GetTagItem("messaging.system"));
        Assert.Equal("send", span.GetTagItem("messaging.operation.type"));
        Assert.Equal("sensor-readings", span.GetTagItem("messaging.destination.name"));
        Assert.Equal("temp1", span.GetTagItem("messaging.kafka.message.key"));
        Assert.Equal("3", span.GetTagItem("messaging.destination.partition.id"));
        Assert.Equal(42L, span.GetTagItem("messaging.kafka.offset"));
    }

    [Fact]
    public void ProcessSpanIsAChildOfTheProducerAndLinksToIt()
    {
        var message = new Message<string, string> { Key = "temp1", Value = "{}" };
        ActivityContext producer;
        using (var send = KafkaTelemetry.StartSend(_source, "sensor-readings", message))
        {
            producer = send!.Context;
        }

        var consumed = new ConsumeResult<string, string>
        {
            Message = message,
            TopicPartitionOffset = new TopicPartitionOffset("sensor-readings", 1, 7),
        };

        using (var process = KafkaTelemetry.StartProcess(_source, consumed, "sensor-aggregator"))
        {
            Assert.Same(process, Activity.Current);
        }

        var span = _stopped[^1];
        Assert.Equal("process sensor-readings", span.DisplayName);
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal(producer.TraceId, span.TraceId);
        Assert.Equal(producer.SpanId, span.ParentSpanId);
        Assert.Equal(producer.SpanId, Assert.Single(span.Links).Context.SpanId);
        Assert.Equal("sensor-aggregator", span.GetTagItem("messaging.consumer.group.name"));
        Assert.Equal("process", span.GetTagItem("messaging.operation.name"));
        Assert.Equal(7L, span.GetTagItem("messaging.kafka.offset"));
    }

    [Fact]
    public void MessageWithoutTraceHeadersStartsANewTrace()
    {
        var consumed = new ConsumeResult<string, string>
        {
            Message = new Message<string, string> { Key = "key", Value = "2023-03-20 10:11:12,1,2" },
            TopicPartitionOffset = new TopicPartitionOffset("SensorData", 0, 0),
        };

        using var process = KafkaTelemetry.StartProcess(_source, consumed, "g");

        Assert.NotNull(process);
        Assert.Equal(default, process.ParentSpanId);
        Assert.Empty(process.Links);
    }

    [Fact]
    public void SendWithoutListenersStillPropagatesTheParentContext()
    {
        using var quiet = new ActivitySource("nobody-listens");
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var message = new Message<string, string> { Key = "k", Value = "v" };

        var send = KafkaTelemetry.StartSend(quiet, "t", message, parent);

        Assert.Null(send);
        Assert.Equal(parent.SpanId, KafkaTelemetry.ExtractContext(message.Headers).SpanId);
    }

    [Fact]
    public void SendWithTracingDisabledRecordsNoSpanButPropagatesTheParentContext()
    {
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var message = new Message<string, string> { Key = "k", Value = "v" };

        var send = KafkaTelemetry.StartSend(_source, "t", message, parent, disableTracing: true);

        Assert.Null(send);
        Assert.Empty(_stopped);
        Assert.Equal((parent.TraceId, parent.SpanId), (KafkaTelemetry.ExtractContext(message.Headers).TraceId, KafkaTelemetry.ExtractContext(message.Headers).SpanId));
    }

    [Fact]
    public void ProcessWithTracingDisabledRecordsNoSpanButContinuesTheProducersContext()
    {
        var producer = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var headers = new Headers();
        KafkaTelemetry.Inject(producer, headers);
        var consumed = new ConsumeResult<string, string>
        {
            Message = new Message<string, string> { Key = "k", Value = "v", Headers = headers },
            TopicPartitionOffset = new TopicPartitionOffset("t", 0, 0),
        };

        using var process = KafkaTelemetry.StartProcess(_source, consumed, "g", disableTracing: true);
        var continued = KafkaTelemetry.ContextToContinue(process, consumed, disableTracing: true);

        Assert.Null(process);
        Assert.Empty(_stopped);
        Assert.Equal((producer.TraceId, producer.SpanId), (continued.TraceId, continued.SpanId));
    }

    [Theory]
    [InlineData(ActivityTraceFlags.Recorded)]
    [InlineData(ActivityTraceFlags.None)]
    public void TraceParentWrittenAndReadWithoutThePropagatorMatchesThePropagator(ActivityTraceFlags flags)
    {
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags);
        var headers = new Headers();
        KafkaTelemetry.Inject(context, headers);

        var written = System.Text.Encoding.UTF8.GetString(Assert.Single(headers).GetValueBytes());
        var propagator = new OpenTelemetry.Context.Propagation.TraceContextPropagator();
        var carrier = new Dictionary<string, string>();
        propagator.Inject(new OpenTelemetry.Context.Propagation.PropagationContext(context, default), carrier, static (c, k, v) => c[k] = v);
        Assert.Equal(carrier["traceparent"], written);

        var read = KafkaTelemetry.ExtractContext(headers);
        var expected = propagator.Extract(default, carrier, static (c, k) => c.TryGetValue(k, out var v) ? [v] : []).ActivityContext;
        Assert.Equal(expected, read);
        Assert.True(read.IsRemote);
    }

    [Theory]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    [InlineData("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")]
    public void InvalidTraceParentIsRejectedAsThePropagatorRejectsIt(string traceParent)
    {
        var headers = new Headers { { "traceparent", System.Text.Encoding.UTF8.GetBytes(traceParent) } };

        Assert.Equal(default, KafkaTelemetry.ExtractContext(headers));
    }

    [Fact]
    public void UnderParentBasedSamplingAMessageWhoseProducerWasNotSampledGetsNoSpanButPassesItsContextOn()
    {
        var unsampled = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);
        var headers = new Headers();
        KafkaTelemetry.Inject(unsampled, headers);
        var consumed = new ConsumeResult<string, byte[]>
        {
            Topic = "sensor-readings",
            Partition = 0,
            Offset = 1,
            Message = new Message<string, byte[]> { Key = "temp1", Value = [], Headers = headers },
        };
        var previous = KafkaTelemetry.ParentBasedSampling;
        KafkaTelemetry.ParentBasedSampling = true;
        try
        {
            using var process = KafkaTelemetry.StartProcess(_source, consumed, "g", disableTracing: false, out var trace);

            Assert.Null(process);
            Assert.Equal(unsampled.TraceId, trace.TraceId);
            Assert.Equal(unsampled.SpanId, trace.SpanId);
            Assert.Equal(ActivityTraceFlags.None, trace.TraceFlags);
        }
        finally
        {
            KafkaTelemetry.ParentBasedSampling = previous;
        }
    }
}
