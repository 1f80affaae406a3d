using System.Buffers.Binary;
using SensorAspire.EmbeddedKafka.Protocol;
using SensorAspire.EmbeddedKafka.Tests.Network;

namespace SensorAspire.EmbeddedKafka.Tests.Protocol;

/// <summary>
/// The request codecs alone, without sockets: mutated frames for every request and version either parse or throw
/// <see cref="KafkaProtocolException"/> (anything else would surface as a broker fault), and no parse allocates more
/// than a small multiple of the bytes it was given, whatever its lengths and counts claim. A fixed number of seeded
/// mutations by default; EMBEDDED_KAFKA_FUZZ_SECONDS spreads that many seconds over the APIs, with fresh seeds.
/// </summary>
public sealed class CodecFuzzTests
{
    private const int MutationsPerVersion = 300;

    public static TheoryData<short> RequestKeys() => [.. FuzzFrames.RequestTypes.Keys.Order()];

    [Theory]
    [MemberData(nameof(RequestKeys))]
    public void MutatedRequestsParseOrFailCleanlyWithoutAllocatingTheirClaims(short apiKey)
    {
        var type = FuzzFrames.RequestTypes[apiKey];
        var lowest = (short)type.GetField("LowestVersion")!.GetValue(null)!;
        var highest = (short)type.GetField("HighestVersion")!.GetValue(null)!;
        var seconds = Environment.GetEnvironmentVariable("EMBEDDED_KAFKA_FUZZ_SECONDS") is { } value ? double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds / FuzzFrames.RequestTypes.Count);
        for (var round = 0; round == 0 || DateTime.UtcNow < deadline; round++)
        {
            FuzzRound(type, apiKey, lowest, highest, seed: apiKey + (round * 1000));
        }
    }

    private static void FuzzRound(Type type, short apiKey, short lowest, short highest, int seed)
    {
        var random = new Random(seed);
        for (var version = lowest; version <= highest; version++)
        {
            for (var i = 0; i < MutationsPerVersion; i++)
            {
                var frame = FuzzFrames.Mutate(random, FuzzFrames.Valid(random, apiKey, version, correlationId: i));
                var before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    Parse(type, frame.AsMemory(4));
                }
                catch (KafkaProtocolException)
                {
                    // Malformed: the connection would be closed.
                }
                catch (Exception ex)
                {
                    Assert.Fail($"{type.Name} v{version} mutation {i} (seed {seed}) threw {ex.GetType().Name}: {ex.Message}\n{Convert.ToHexString(frame)}");
                }

                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < 64 * 1024 + 256L * frame.Length, $"{type.Name} v{version} mutation {i}: {allocated:N0} bytes allocated for a {frame.Length}-byte frame");
            }
        }
    }

    /// <summary>What the connection does with a frame: the header in the version the API key and version imply, then the body.</summary>
    private static void Parse(Type type, ReadOnlyMemory<byte> frame)
    {
        if (frame.Length < 4)
        {
            throw new KafkaProtocolException("Frame shorter than its api key and version.");
        }

        var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame.Span);
        var version = BinaryPrimitives.ReadInt16BigEndian(frame.Span[2..]);
        var reader = new KafkaReader(frame);
        new RequestHeader().Read(reader, ApiMessageCatalog.RequestHeaderVersion(apiKey, version));
        var lowest = (short)type.GetField("LowestVersion")!.GetValue(null)!;
        var highest = (short)type.GetField("HighestVersion")!.GetValue(null)!;
        if (!FuzzFrames.RequestTypes.TryGetValue(apiKey, out var parsedType) || version < lowest || version > highest || parsedType != type)
        {
            throw new KafkaProtocolException("Unknown key or version (the broker closes the connection).");
        }

        ((IKafkaMessage)Activator.CreateInstance(type)!).Read(reader, version);
    }
}
