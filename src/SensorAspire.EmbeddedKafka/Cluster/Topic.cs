using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Cluster;

/// <summary>A topic: a stable id for its lifetime (librdkafka treats a new id as a recreated topic), its partitions and its configs.</summary>
internal sealed class Topic
{
    public Topic(string name, int partitionCount, IReadOnlyDictionary<string, string> configs)
    {
        Name = name;
        Id = Guid.NewGuid();
        Configs = configs;
        Partitions = new PartitionLog[partitionCount];
        for (var i = 0; i < partitionCount; i++)
        {
            Partitions[i] = new PartitionLog(name, i);
        }
    }

    public string Name { get; }

    public Guid Id { get; }

    /// <summary>Configs set explicitly at creation (DescribeConfigs reports the rest as defaults).</summary>
    public IReadOnlyDictionary<string, string> Configs { get; }

    public PartitionLog[] Partitions { get; }

    public int PartitionCount => Partitions.Length;

    public PartitionLog? Partition(int index) => (uint)index < (uint)Partitions.Length ? Partitions[index] : null;
}
