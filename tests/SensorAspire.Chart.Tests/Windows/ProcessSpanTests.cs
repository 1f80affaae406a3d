using SensorAspire.Testing;
using System.Diagnostics;
using static SensorAspire.Chart.Tests.WindowProducer;

namespace SensorAspire.Chart.Tests.Windows;

[Collection(ActivityListenerCollection.Name)]
public sealed class ProcessSpanTests(BrokerFixture broker)
{
    [Fact]
    public async Task ProcessSpanContinuesTheTraceOfTheWindowUpdate()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "trace");
        var traceId = ActivityTraceId.CreateRandom();
        var parentSpanId = ActivitySpanId.CreateRandom();
        var processed = new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ChartTelemetry.Name,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.DisplayName == $"process {topic}")
                {
                    processed.TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await using var app = new ChartApp(broker.BootstrapServers, topic).Start();

        await producer.ProduceAsync(Window("temp1", 20), $"00-{traceId}-{parentSpanId}-01");
        var span = await processed.Task.WaitAsync(ChartAppExtensions.Timeout, TestContext.Current.CancellationToken);

        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(parentSpanId, span.ParentSpanId);
        Assert.Contains(span.Links, link => link.Context.SpanId == parentSpanId);
        Assert.Equal("kafka", span.GetTagItem("messaging.system"));
        Assert.Equal(topic, span.GetTagItem("messaging.destination.name"));
        Assert.Equal("temp1", span.GetTagItem("messaging.kafka.message.key"));
    }

    [Fact]
    public async Task ConsumerWithTracingDisabledRecordsNoProcessSpan()
    {
        var topic = await WindowProducer.CreateTopicAsync(broker, "untraced");
        var spans = new List<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ChartTelemetry.Name,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (spans)
                {
                    spans.Add(activity.DisplayName);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var producer = new WindowProducer(broker.BootstrapServers, topic);
        await using var app = new ChartApp(broker.BootstrapServers, topic,
            new Dictionary<string, string?> { ["Aspire:Confluent:Kafka:Consumer:DisableTracing"] = "true" }).Start();

        await producer.ProduceAsync(Window("temp1", 20), $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-01");
        await app.WaitForWindowsAsync(w => w.Count == 1);

        // A process span ends before its window reaches the hub, so it would have been seen by now.
        lock (spans)
        {
            Assert.DoesNotContain($"process {topic}", spans);
        }
    }
}
