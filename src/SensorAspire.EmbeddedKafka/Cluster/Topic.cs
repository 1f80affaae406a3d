using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>A topic: a stable id for its lifetime (librdkafka treats a new id as a recreated topic), its partitions and its configs.</summary>
internal sealed class Topic
{
    /// <param name="directory">The topic's folder in the data directory (partitions are recovered from it), or null for memory only.</param>
    public Topic(string name, Guid id, int partitionCount, IReadOnlyDictionary<string, string> configs, LogConfig logConfig, string? directory = null, TimeProvider? time = null)
    {
        Name = name;
        Id = id;
        Configs = configs;
        Directory = directory;
        Partitions = new PartitionLog[partitionCount];
        for (var i = 0; i < partitionCount; i++)
        {
            Partitions[i] = new PartitionLog(name, i, logConfig, directory is null ? null : Path.Combine(directory, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), time);
        }
    }

    public string Name { get; }

    public Guid Id { get; }

    /// <summary>Configs set explicitly at creation (DescribeConfigs reports the rest as defaults).</summary>
    public IReadOnlyDictionary<string, string> Configs { get; }

    /// <summary>The topic's folder in the data directory, or null when memory only.</summary>
    public string? Directory { get; }

    public PartitionLog[] Partitions { get; }

    public int PartitionCount => Partitions.Length;

    public PartitionLog? Partition(int index) => (uint)index < (uint)Partitions.Length ? Partitions[index] : null;
}
