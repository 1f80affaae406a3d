using SensorAspire.Chart.Streaming;
using static SensorAspire.Chart.Tests.WindowProducer;

namespace SensorAspire.Chart.Tests.Streaming;

public sealed class ClientFeedTests
{
    [Fact]
    public void NewerWindowOfAWaitingSensorReplacesTheOlderOne()
    {
        using var feed = new ClientFeed(capacity: 4, _ => { });

        feed.Offer(Frame("temp1", 20));
        feed.Offer(Frame("temp2", 10));
        feed.Offer(Frame("temp1", 20, 21));

        Assert.True(feed.TryTake(out var first));
        Assert.Equal("temp1", first.SensorId);
        Assert.Equal(2, first.Window.Points.Count);
        Assert.True(feed.TryTake(out var second));
        Assert.Equal("temp2", second.SensorId);
        Assert.False(feed.TryTake(out _));
    }

    [Fact]
    public async Task ClientWithMoreWaitingSensorsThanItsBufferOverflowsOnceAndGetsNothingMore()
    {
        var overflows = 0;
        using var feed = new ClientFeed(capacity: 2, _ => { }, () => overflows++);

        Assert.True(feed.Offer(Frame("a", 1)));
        Assert.True(feed.Offer(Frame("b", 1)));
        Assert.False(feed.Offer(Frame("c", 1)));

        Assert.True(feed.Overflowed);
        Assert.False(feed.Offer(Frame("a", 2)));
        Assert.Equal(1, overflows);
        Assert.False(feed.TryTake(out _));
        Assert.False(await feed.WaitAsync(TestContext.Current.CancellationToken).AsTask()
            .WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task OfferWakesAWaitingReader()
    {
        using var feed = new ClientFeed(capacity: 2, _ => { });
        var waiting = feed.WaitAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);

        feed.Offer(Frame("temp1", 20));

        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.True(feed.TryTake(out var window));
        Assert.Equal("temp1", window.SensorId);
    }
}
