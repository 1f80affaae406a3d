using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace SensorAspire.ServiceDefaults;

/// <summary>
/// Notices that topics a service depends on were lost or replaced while it ran: a broker without a data directory
/// restarted empty, a Kafka container without a volume was recreated, another cluster answers on the same address, or
/// the topics were deleted and created again. Polled from the service's own loop; never blocks it.
/// </summary>
/// <remarks>
/// <para>
/// Every <see cref="Interval"/> it describes the topics through the service's own client (no connection of its own)
/// and compares them with the first description in which all of them existed. A topic keeps its id (KIP-516, in
/// Metadata v10+) for as long as it exists, across broker restarts with its data; a topic created again under the same
/// name, and every topic of another cluster, has a new one. librdkafka sees the same things but only logs them
/// ("topic changed id", "Broker reports different ClusterId"), and keeps fetching at offsets of the old topic.
/// </para>
/// <para>
/// Describing never creates a topic: admin requests do not allow auto-creation. While the cluster cannot be reached
/// nothing is reported (the clients reconnect by themselves); a change is reported once, after which the watch waits
/// for every topic to exist again and takes that as the new baseline.
/// </para>
/// </remarks>
public sealed class KafkaTopicWatch : IDisposable
{
    /// <summary>How often the topics are described unless the constructor says otherwise.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(5);

    private readonly IAdminClient _admin;
    private readonly string[] _topics;
    private readonly TimeProvider _time;
    private Task<Seen?>? _pending;
    private long _due;
    private Seen? _baseline;

    /// <param name="client">The service's producer or consumer handle (<see cref="IClient.Handle"/>).</param>
    /// <param name="topics">The topics the service reads or writes.</param>
    /// <param name="interval">Time between descriptions (<see cref="DefaultInterval"/>).</param>
    /// <param name="time">The clock (tests).</param>
    public KafkaTopicWatch(Handle client, IEnumerable<string> topics, TimeSpan? interval = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(topics);
        _admin = new DependentAdminClientBuilder(client).Build();
        _topics = [.. topics.Distinct(StringComparer.Ordinal)];
        Interval = interval ?? DefaultInterval;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Time between descriptions of the topics.</summary>
    public TimeSpan Interval { get; }

    /// <summary>True once a description in which every topic existed is the baseline that changes are measured against.</summary>
    public bool HasBaseline => _baseline is not null;

    /// <summary>
    /// Returns the change seen since the baseline, once; otherwise null. Starts the next description when one is due
    /// and none is in flight, so it costs a clock read when called from a loop.
    /// </summary>
    public KafkaTopicsChanged? Poll()
    {
        KafkaTopicsChanged? change = null;
        if (_pending is { IsCompleted: true } done)
        {
            _pending = null;
            if (done.IsCompletedSuccessfully && done.Result is { } seen)
            {
                if (_baseline is null)
                {
                    _baseline = seen.AllExist ? seen : null;
                }
                else if (Compare(_baseline, seen) is { } changed)
                {
                    _baseline = null;
                    change = changed;
                }
            }
        }

        var now = _time.GetTimestamp();
        if (_pending is null && now >= _due)
        {
            _due = now + (long)(Interval.TotalSeconds * _time.TimestampFrequency);
            _pending = DescribeAsync(_baseline);
        }

        return change;
    }

    /// <summary>Makes the next <see cref="Poll"/> describe the topics at once (an error suggested that one is gone).</summary>
    public void CheckNow() => _due = 0;

    /// <summary>Forgets the baseline: the next description in which every topic exists becomes it.</summary>
    public void Rebaseline()
    {
        _baseline = null;
        _pending = null;
        _due = 0;
    }

    /// <inheritdoc />
    public void Dispose() => _admin.Dispose();

    private async Task<Seen?> DescribeAsync(Seen? baseline)
    {
        Dictionary<string, string?> ids;
        try
        {
            var described = await _admin.DescribeTopicsAsync(TopicCollection.OfTopicNames(_topics),
                new DescribeTopicsOptions { RequestTimeout = s_requestTimeout }).ConfigureAwait(false);
            ids = IdsOf(described.TopicDescriptions);
        }
        catch (DescribeTopicsException ex)
        {
            // Some topics are unknown; anything else (a timeout, no broker) tells nothing about the topics.
            if (ex.Results.TopicDescriptions.Any(t => t.Error.IsError && t.Error.Code != ErrorCode.UnknownTopicOrPart))
            {
                return null;
            }

            ids = IdsOf(ex.Results.TopicDescriptions);
        }
        catch (KafkaException)
        {
            return null;
        }

        var seen = new Seen(ids, ClusterId: null);
        // The cluster id only names the change for people, so it is asked for only when it is needed.
        return (baseline is null && seen.AllExist) || (baseline is not null && Compare(baseline, seen) is not null)
            ? seen with { ClusterId = await ClusterIdAsync().ConfigureAwait(false) }
            : seen;
    }

    private async Task<string?> ClusterIdAsync()
    {
        try
        {
            var cluster = await _admin.DescribeClusterAsync(new DescribeClusterOptions { RequestTimeout = s_requestTimeout })
                .ConfigureAwait(false);
            return cluster.ClusterId;
        }
        catch (KafkaException)
        {
            return null;
        }
    }

    private Dictionary<string, string?> IdsOf(IEnumerable<TopicDescription> descriptions)
    {
        var ids = _topics.ToDictionary(t => t, _ => (string?)null, StringComparer.Ordinal);
        foreach (var topic in descriptions)
        {
            if (!topic.Error.IsError && topic.Partitions.Count > 0 && ids.ContainsKey(topic.Name))
            {
                ids[topic.Name] = topic.TopicId?.ToString();
            }
        }

        return ids;
    }

    private static KafkaTopicsChanged? Compare(Seen baseline, Seen now)
    {
        var gone = baseline.Ids.Keys.Where(t => now.Ids[t] is null).ToList();
        var replaced = baseline.Ids.Keys.Where(t => now.Ids[t] is { } id && id != baseline.Ids[t]).ToList();
        return gone.Count == 0 && replaced.Count == 0 ? null : new KafkaTopicsChanged(gone, replaced, baseline.ClusterId, now.ClusterId);
    }

    /// <summary>Each topic's id (null: it does not exist) and, when asked for, the cluster's id.</summary>
    private sealed record Seen(Dictionary<string, string?> Ids, string? ClusterId)
    {
        public bool AllExist => Ids.Values.All(id => id is not null);
    }
}
