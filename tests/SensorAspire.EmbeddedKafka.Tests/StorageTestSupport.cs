using System.Buffers.Binary;
using System.Text;
using Confluent.Kafka;
using SensorAspire.EmbeddedKafka.Storage;

namespace SensorAspire.EmbeddedKafka.Tests;

/// <summary>A temporary data directory, deleted with everything in it when the test ends.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("embedded-kafka-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Keyed RecordBatch v2 bytes (optionally gzip), and a reader of the records stored in a log, for storage tests.</summary>
internal static class KeyedBatches
{
    public const long Timestamp = 1_700_000_000_000;

    /// <summary>
    /// One batch with the given records; a null value is a tombstone. <paramref name="codec"/> is the attributes'
    /// compression (0-4); <paramref name="xerial"/> frames snappy the Java client's way.
    /// </summary>
    public static byte[] Build(IReadOnlyList<(string? Key, string? Value)> records, long timestamp = Timestamp, int codec = 0, long producerId = -1, int baseSequence = -1, bool xerial = false)
    {
        var body = new List<byte>();
        for (var i = 0; i < records.Count; i++)
        {
            var record = new List<byte> { 0 };
            TestBatches.WriteVarint(record, 0);
            TestBatches.WriteVarint(record, i);
            WriteBytes(record, records[i].Key);
            WriteBytes(record, records[i].Value);
            TestBatches.WriteVarint(record, 0);
            TestBatches.WriteVarint(body, record.Count);
            body.AddRange(record);
        }

        byte[] xerialHeader = [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1];
        var payload = BatchCompression.Compress(codec, body.ToArray(), xerial ? xerialHeader : []);
        var batch = new byte[RecordBatch.HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(8), batch.Length - 12);
        batch[16] = 2;
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(21), (short)codec);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(23), records.Count - 1);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(27), timestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(35), timestamp);
        BinaryPrimitives.WriteInt64BigEndian(batch.AsSpan(43), producerId);
        BinaryPrimitives.WriteInt16BigEndian(batch.AsSpan(51), (short)(producerId < 0 ? -1 : 0));
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(53), baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(batch.AsSpan(57), records.Count);
        payload.CopyTo(batch, RecordBatch.HeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(batch.AsSpan(17), RecordBatch.Crc32C(batch.AsSpan(21)));
        return batch;
    }

    public static byte[] Single(string? key, string? value, long timestamp = Timestamp) => Build([(key, value)], timestamp);

    /// <summary>Every record in the log from its start, as (offset, key, value), checking each stored batch's CRC.</summary>
    public static List<(long Offset, string? Key, string? Value)> ReadAll(PartitionLog log)
    {
        var slices = new List<ReadOnlyMemory<byte>>();
        var (error, _) = log.Read(log.LogStartOffset, int.MaxValue, atLeastOne: true, slices);
        Assert.Equal(0, error);
        var records = new List<(long, string?, string?)>();
        foreach (var slice in slices)
        {
            var bytes = slice.ToArray();
            var position = 0;
            while (position < bytes.Length)
            {
                Assert.Equal(0, RecordBatch.TryParseStored(bytes.AsSpan(position), out var header, out var baseOffset));
                var body = bytes.AsSpan(position + RecordBatch.HeaderSize, header.TotalSize - RecordBatch.HeaderSize).ToArray();
                body = BatchCompression.Decompress(header.Attributes & 0x7, body) ?? throw new InvalidDataException("Stored batch does not decompress.");
                var at = 0;
                for (var i = 0; i < header.RecordCount; i++)
                {
                    var length = (int)RecordScanner.ReadVarlong(body, ref at);
                    var end = at + length;
                    at++;
                    RecordScanner.ReadVarlong(body, ref at);
                    var offsetDelta = RecordScanner.ReadVarlong(body, ref at);
                    var key = ReadString(body, ref at);
                    var value = ReadString(body, ref at);
                    records.Add((baseOffset + offsetDelta, key, value));
                    at = end;
                }

                position += header.TotalSize;
            }
        }

        return records;
    }

    /// <summary>What a Confluent consumer reads from the start of partition 0 up to the high watermark.</summary>
    public static List<ConsumeResult<string, string?>> ConsumeAll(string bootstrapServers, string topic, long highWatermark)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "assign-only-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            FetchWaitMaxMs = 100,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            CheckCrcs = true, // rebuilt batches must carry a correct CRC
        };
        using var consumer = new ConsumerBuilder<string, string?>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var results = new List<ConsumeResult<string, string?>>();
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        while ((results.Count == 0 || results[^1].Offset.Value < highWatermark - 1) && DateTime.UtcNow < deadline)
        {
            TestContext.Current.CancellationToken.ThrowIfCancellationRequested();
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                results.Add(result);
            }
        }

        consumer.Close();
        return results;
    }

    private static string? ReadString(ReadOnlySpan<byte> bytes, ref int position)
    {
        var length = (int)RecordScanner.ReadVarlong(bytes, ref position);
        if (length < 0)
        {
            return null;
        }

        var value = Encoding.UTF8.GetString(bytes.Slice(position, length));
        position += length;
        return value;
    }

    private static void WriteBytes(List<byte> into, string? value)
    {
        if (value is null)
        {
            TestBatches.WriteVarint(into, -1);
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        TestBatches.WriteVarint(into, bytes.Length);
        into.AddRange(bytes);
    }
}
