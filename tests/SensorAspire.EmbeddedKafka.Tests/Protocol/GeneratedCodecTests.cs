using System.Collections;
using System.Reflection;
using SensorAspire.EmbeddedKafka.Protocol;

namespace SensorAspire.EmbeddedKafka.Tests.Protocol;

/// <summary>The generated codecs: every message, every version, every field (tagged ones included) survives a round trip.</summary>
public sealed class GeneratedCodecTests
{
    public static TheoryData<string> MessageTypes() =>
        [.. typeof(IKafkaMessage).Assembly.GetTypes()
            .Where(t => t.IsClass && t.DeclaringType is null && typeof(IKafkaMessage).IsAssignableFrom(t) && t.Namespace == typeof(IKafkaMessage).Namespace)
            .Select(t => t.Name)
            .Order()];

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void EveryVersionRoundTripsWithEveryFieldSet(string typeName)
    {
        var type = typeof(IKafkaMessage).Assembly.GetType(typeof(IKafkaMessage).Namespace + "." + typeName)!;
        var lowest = (short)type.GetField("LowestVersion")!.GetValue(null)!;
        var highest = (short)type.GetField("HighestVersion")!.GetValue(null)!;

        for (var version = lowest; version <= highest; version++)
        {
            var original = (IKafkaMessage)Populate(type, depth: 0);
            var first = Encode(original, version);
            var copy = (IKafkaMessage)Activator.CreateInstance(type)!;
            var reader = new KafkaReader(first);
            copy.Read(reader, version);

            Assert.Equal(0, reader.Remaining);
            Assert.Equal(first, Encode(copy, version));
        }
    }

    [Fact]
    public void FlexibleApiVersionsResponseHasNoHeaderTagsButABodyTagBuffer()
    {
        Assert.Equal(0, ApiMessageCatalog.ResponseHeaderVersion(ApiMessageCatalog.ApiVersions, 3));
        Assert.Equal(1, ApiMessageCatalog.ResponseHeaderVersion(ApiMessageCatalog.Metadata, 9));
        Assert.Equal(2, ApiMessageCatalog.RequestHeaderVersion(ApiMessageCatalog.ApiVersions, 3));

        var body = Encode(new ApiVersionsResponse { ApiKeys = [new ApiVersionsResponse.ApiVersion { ApiKey = 18, MinVersion = 0, MaxVersion = 3 }] }, 3);

        // ErrorCode, compact array of one (count+1 = 2) with its element tag buffer, ThrottleTimeMs, top-level tag buffer.
        Assert.Equal([0, 0, 2, 0, 18, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0], body);
    }

    [Fact]
    public void UnknownTaggedFieldsAreSkippedBySize()
    {
        // ApiVersions v3: compact "a", compact "b", then a tag buffer with an unknown tag 7 of 2 bytes and a known-size tag 30 of 0 bytes.
        byte[] bytes = [2, (byte)'a', 2, (byte)'b', 2, 7, 2, 0xAA, 0xBB, 30, 0];
        var reader = new KafkaReader(bytes);
        var request = new ApiVersionsRequest();

        request.Read(reader, 3);

        Assert.Equal(("a", "b"), (request.ClientSoftwareName, request.ClientSoftwareVersion));
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void RequestHeaderV2KeepsAClassicClientIdBeforeItsTagBuffer()
    {
        var bytes = Encode(new RequestHeader { RequestApiKey = 18, RequestApiVersion = 3, CorrelationId = 7, ClientId = "ab" }, 2);

        Assert.Equal([0, 18, 0, 3, 0, 0, 0, 7, 0, 2, (byte)'a', (byte)'b', 0], bytes);
    }

    private static byte[] Encode(IKafkaMessage message, short version)
    {
        using var writer = new KafkaWriter();
        message.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>An instance with every property set to a non-default value, lists holding one populated element.</summary>
    private static object Populate(Type type, int depth)
    {
        var instance = Activator.CreateInstance(type)!;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            property.SetValue(instance, Sample(property.PropertyType, depth));
        }

        return instance;
    }

    private static object? Sample(Type type, int depth)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (IList)Activator.CreateInstance(type)!;
            list.Add(Sample(type.GetGenericArguments()[0], depth + 1));
            return list;
        }

        return type switch
        {
            _ when type == typeof(sbyte) => (sbyte)3,
            _ when type == typeof(short) => (short)300,
            _ when type == typeof(int) => 70_000,
            _ when type == typeof(long) => 5_000_000_000L,
            _ when type == typeof(ushort) => (ushort)4,
            _ when type == typeof(uint) => 5u,
            _ when type == typeof(double) => 1.5,
            _ when type == typeof(bool) => true,
            _ when type == typeof(Guid) => Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"),
            _ when type == typeof(string) => "text",
            _ when type == typeof(byte[]) => new byte[] { 1, 2, 3 },
            _ when type == typeof(RecordSet) => new RecordSet(new byte[] { 9, 8, 7 }),
            _ when type.IsClass && depth < 6 => Populate(type, depth + 1),
            _ => null,
        };
    }
}
