using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using Snappier;
using ZstdSharp;

namespace SensorAspire.EmbeddedKafka.Storage;

/// <summary>
/// The four record-batch codecs (attributes bits 0-2), for compaction, which must read keys and write survivors back.
/// Snappy comes two ways: librdkafka writes raw snappy, the Java client xerial-framed blocks; both are read and a
/// rebuilt batch keeps the style it came in. LZ4 is the LZ4 frame format (KIP-57), written with independent blocks
/// (the Java client reads nothing else); zstd and gzip are standard frames. Decompression is bounded, so a hostile
/// "bomb" batch is kept whole rather than inflated without limit.
/// </summary>
internal static class BatchCompression
{
    public const int None = 0;
    public const int Gzip = 1;
    public const int Snappy = 2;
    public const int Lz4 = 3;
    public const int Zstd = 4;

    private const int MaxDecompressedBytes = 256 * 1024 * 1024;
    private static readonly byte[] s_xerialMagic = [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];
    private static readonly byte[] s_xerialHeader = [.. s_xerialMagic, 0, 0, 0, 1, 0, 0, 0, 1];

    /// <summary>The records section uncompressed; null when the data does not decompress or is too big.</summary>
    public static byte[]? Decompress(int codec, byte[] body)
    {
        try
        {
            return codec switch
            {
                None => body,
                Gzip => Bounded(new GZipStream(new MemoryStream(body), CompressionMode.Decompress)),
                Snappy when IsXerial(body) => XerialDecompress(body),
                Snappy => SnappyBlock(body),
                Lz4 => Bounded(LZ4Stream.Decode(new MemoryStream(body))),
                Zstd => Bounded(new DecompressionStream(new MemoryStream(body))),
                _ => null,
            };
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or ArgumentException or IOException or ZstdException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Compresses rebuilt records with the batch's codec (snappy in the framing <paramref name="originalBody"/> used).</summary>
    public static byte[] Compress(int codec, byte[] records, byte[] originalBody)
    {
        switch (codec)
        {
            case Gzip:
                return ThroughStream(records, output => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true));
            case Snappy when IsXerial(originalBody):
                var block = Snappier.Snappy.CompressToArray(records);
                var framed = new byte[s_xerialHeader.Length + 4 + block.Length];
                s_xerialHeader.CopyTo(framed, 0);
                BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(s_xerialHeader.Length), block.Length);
                block.CopyTo(framed, s_xerialHeader.Length + 4);
                return framed;
            case Snappy:
                return Snappier.Snappy.CompressToArray(records);
            case Lz4:
                return ThroughStream(records, output => LZ4Stream.Encode(output, new LZ4EncoderSettings { ChainBlocks = false }, leaveOpen: true));
            case Zstd:
                return ThroughStream(records, output => new CompressionStream(output, level: 3, leaveOpen: true));
            default:
                return records;
        }
    }

    private static bool IsXerial(ReadOnlySpan<byte> body) => body.Length >= 16 && body[..8].SequenceEqual(s_xerialMagic);

    private static byte[]? SnappyBlock(ReadOnlySpan<byte> block) =>
        Snappier.Snappy.GetUncompressedLength(block) is var length and >= 0 and <= MaxDecompressedBytes ? Snappier.Snappy.DecompressToArray(block) : null;

    /// <summary>xerial framing: 16-byte header, then blocks each prefixed with a big-endian int32 length.</summary>
    private static byte[]? XerialDecompress(byte[] body)
    {
        var output = new MemoryStream();
        var position = 16;
        while (position + 4 <= body.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(position));
            position += 4;
            if (length < 0 || length > body.Length - position || SnappyBlock(body.AsSpan(position, length)) is not { } block
                || output.Length + block.Length > MaxDecompressedBytes)
            {
                return null;
            }

            output.Write(block);
            position += length;
        }

        return position == body.Length ? output.ToArray() : null;
    }

    private static byte[]? Bounded(Stream input)
    {
        using (input)
        using (var output = new MemoryStream())
        {
            var buffer = new byte[81920];
            int read;
            while ((read = input.Read(buffer)) > 0)
            {
                if (output.Length + read > MaxDecompressedBytes)
                {
                    return null;
                }

                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
    }

    private static byte[] ThroughStream(byte[] records, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(records);
        }

        return output.ToArray();
    }
}
