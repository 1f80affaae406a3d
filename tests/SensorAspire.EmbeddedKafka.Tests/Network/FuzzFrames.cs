using System.Buffers.Binary;
using System.Collections;
using System.Reflection;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Tests.Storage;

namespace SensorAspire.EmbeddedKafka.Tests.Network;

/// <summary>
/// Builds request frames (size prefix, header, body) with the generated codecs, filled from a seeded
/// <see cref="Random"/>, and mutates them the ways hostile or broken clients do. Same seed, same frames.
/// </summary>
internal static class FuzzFrames
{
    private static readonly Dictionary<short, Type> s_requestTypes = typeof(IKafkaMessage).Assembly.GetTypes()
        .Where(t => t.Name.EndsWith("Request", StringComparison.Ordinal) && t.DeclaringType is null && typeof(IKafkaMessage).IsAssignableFrom(t)
                    && t.GetField("MessageApiKey") is not null)
        .ToDictionary(t => (short)t.GetField("MessageApiKey")!.GetValue(null)!);

    private static readonly string[] s_names = ["fuzz-topic", "fuzz-group", "", "a", "range", "consumer", "fuzz.topic_2"];

    /// <summary>Every request the generated codecs know, by API key.</summary>
    public static IReadOnlyDictionary<short, Type> RequestTypes => s_requestTypes;

    /// <summary>A well-formed request for <paramref name="apiKey"/> at <paramref name="version"/>, its fields random but small.</summary>
    public static byte[] Valid(Random random, short apiKey, short version, int correlationId)
    {
        var body = (IKafkaMessage)Populate(random, s_requestTypes[apiKey], depth: 0);
        using var writer = new KafkaWriter();
        writer.WriteInt32(0);
        var header = new RequestHeader { RequestApiKey = apiKey, RequestApiVersion = version, CorrelationId = correlationId, ClientId = "fuzz" };
        header.Write(writer, ApiMessageCatalog.RequestHeaderVersion(apiKey, version));
        body.Write(writer, version);
        writer.PatchInt32(0, writer.Position - 4);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>One mutation of a valid frame; the size prefix is kept consistent unless the mutation is about it.</summary>
    public static byte[] Mutate(Random random, byte[] valid)
    {
        var frame = (byte[])valid.Clone();
        var bodyStart = Math.Min(8, frame.Length);   // keep api key and version most of the time: the body is what is fuzzed
        switch (random.Next(7))
        {
            case 0:
                // Bit flips in header and body.
                for (var i = random.Next(1, 9); i > 0; i--)
                {
                    var at = random.Next(4, frame.Length);
                    frame[at] ^= (byte)(1 << random.Next(8));
                }

                return frame;
            case 1:
                // Truncated: a complete frame that ends early.
                return WithSize(frame.AsSpan(0, random.Next(bodyStart, frame.Length)).ToArray());
            case 2:
                // A length or count field claiming far more than follows.
                return Overwrite(frame, random, bodyStart, random.Next(4) switch
                {
                    0 => [0x7F, 0xFF, 0xFF, 0xFF],
                    1 => [0xFF, 0xFF, 0xFF, 0xFE],
                    2 => [0x7F, 0xFF],
                    _ => [0x80, 0x00, 0x00, 0x00],
                });
            case 3:
                // A varint that overflows 32 bits or runs past 5 bytes.
                return Overwrite(frame, random, bodyStart, random.Next(2) == 0 ? [0xFF, 0xFF, 0xFF, 0xFF, 0x7F] : [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
            case 4:
                // A huge compact array count (varint 2^31-1) spliced in.
                return Insert(frame, random, bodyStart, [0xFF, 0xFF, 0xFF, 0xFF, 0x07]);
            case 5:
                // Random bytes appended or replacing the body.
                var garbage = new byte[random.Next(1, 64)];
                random.NextBytes(garbage);
                return WithSize([.. frame.AsSpan(0, random.Next(bodyStart, frame.Length)), .. garbage]);
            default:
                // The size prefix itself lies: bigger than what is sent (the frame never completes) or negative.
                BinaryPrimitives.WriteInt32BigEndian(frame, random.Next(2) == 0 ? frame.Length + random.Next(1, 1000) : -random.Next(1, 1000));
                return frame;
        }
    }

    private static byte[] Overwrite(byte[] frame, Random random, int from, byte[] bytes)
    {
        if (frame.Length - bytes.Length <= from)
        {
            return frame;
        }

        bytes.CopyTo(frame, random.Next(from, frame.Length - bytes.Length + 1));
        return frame;
    }

    private static byte[] Insert(byte[] frame, Random random, int from, byte[] bytes)
    {
        var at = random.Next(from, frame.Length + 1);
        return WithSize([.. frame.AsSpan(0, at), .. bytes, .. frame.AsSpan(at)]);
    }

    private static byte[] WithSize(byte[] frame)
    {
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        return frame;
    }

    private static object Populate(Random random, Type type, int depth)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            property.SetValue(instance, Sample(random, property.PropertyType, depth));
        }

        return instance;
    }

    /// <summary>
    /// Mostly small values: timeouts of a few milliseconds (little parks for long), counts of 0-2, known-looking names;
    /// one number in ten is an extreme (minimum or maximum of its type) to reach the handlers' range checks.
    /// </summary>
    private static object? Sample(Random random, Type type, int depth)
    {
        if (random.Next(10) == 0 && Extreme(random, type) is { } extreme)
        {
            return extreme;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (IList)Activator.CreateInstance(type)!;
            for (var i = depth < 4 ? random.Next(3) : 0; i > 0; i--)
            {
                list.Add(Sample(random, type.GetGenericArguments()[0], depth + 1));
            }

            return list;
        }

        return type switch
        {
            _ when type == typeof(sbyte) => (sbyte)random.Next(-1, 3),
            _ when type == typeof(short) => (short)random.Next(-1, 3),
            _ when type == typeof(int) => random.Next(-1, 3),
            _ when type == typeof(long) => (long)random.Next(-2, 3),
            _ when type == typeof(ushort) => (ushort)random.Next(3),
            _ when type == typeof(uint) => (uint)random.Next(3),
            _ when type == typeof(double) => random.NextDouble(),
            _ when type == typeof(bool) => random.Next(2) == 0,
            _ when type == typeof(Guid) => Guid.Empty,
            _ when type == typeof(string) => s_names[random.Next(s_names.Length)],
            _ when type == typeof(byte[]) => RandomBytes(random),
            _ when type == typeof(RecordSet) => new RecordSet(TestBatches.Build(random.Next(1, 4))),
            _ when type.IsClass && depth < 6 => Populate(random, type, depth + 1),
            _ => null,
        };
    }

    private static object? Extreme(Random random, Type type)
    {
        var max = random.Next(2) == 0;
        return type switch
        {
            _ when type == typeof(short) => max ? short.MaxValue : short.MinValue,
            _ when type == typeof(int) => max ? int.MaxValue : int.MinValue,
            _ when type == typeof(long) => max ? long.MaxValue : long.MinValue,
            _ when type == typeof(sbyte) => max ? sbyte.MaxValue : sbyte.MinValue,
            _ => null,
        };
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(8)];
        random.NextBytes(bytes);
        return bytes;
    }
}
