using System.Text.Json;

namespace SensorAspire.Contracts;

/// <summary>
/// The two steps every object reader of the "as written" fast paths takes per property: find the property's bit by its
/// name, then claim it (known, not seen before) and move to its value. Anything else sends the message to the serializer.
/// </summary>
internal static class JsonProperties
{
    /// <summary>The bit (1, 2, 4, ...) of <paramref name="name"/>'s position in <paramref name="names"/>, or 0 when unknown.</summary>
    public static int Bit(ReadOnlySpan<byte> name, byte[][] names)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (name.SequenceEqual(names[i]))
            {
                return 1 << i;
            }
        }

        return 0;
    }

    /// <summary>Marks a known property that was not seen before as seen and reads on to its value.</summary>
    public static bool TryClaim(int property, ref int seen, ref Utf8JsonReader reader)
    {
        if (property == 0 || (seen & property) != 0 || !reader.Read())
        {
            return false;
        }

        seen |= property;
        return true;
    }
}
