namespace SensorAspire.EmbeddedKafka.CodeGen;

/// <summary>A version spec from the schema: "0+", "3-5", "7" or "none".</summary>
internal readonly record struct VersionRange(int Min, int Max)
{
    public const int Open = short.MaxValue;

    public static VersionRange None { get; } = new(1, 0);

    public bool IsEmpty => Min > Max;

    public static VersionRange Parse(string? spec)
    {
        if (spec is null or "none")
        {
            return None;
        }

        if (spec.EndsWith('+'))
        {
            return new(int.Parse(spec[..^1]), Open);
        }

        var dash = spec.IndexOf('-');
        return dash < 0 ? new(int.Parse(spec), int.Parse(spec)) : new(int.Parse(spec[..dash]), int.Parse(spec[(dash + 1)..]));
    }

    public VersionRange Intersect(VersionRange other) => new(Math.Max(Min, other.Min), Math.Min(Max, other.Max));

    /// <summary>This range minus <paramref name="other"/>, when the result is one range (true for every schema we read).</summary>
    public VersionRange Except(VersionRange other)
    {
        var overlap = Intersect(other);
        if (overlap.IsEmpty)
        {
            return this;
        }

        if (overlap.Min <= Min && overlap.Max >= Max)
        {
            return None;
        }

        if (overlap.Min <= Min)
        {
            return new(overlap.Max + 1, Max);
        }

        if (overlap.Max >= Max)
        {
            return new(Min, overlap.Min - 1);
        }

        throw new InvalidOperationException($"{this} minus {other} is not one range.");
    }

    /// <summary>A C# condition on <c>version</c> for this range, simplified against the message's valid versions.</summary>
    public string Condition(VersionRange valid)
    {
        var r = Intersect(valid);
        if (r.IsEmpty)
        {
            return "false";
        }

        var low = r.Min > valid.Min ? $"version >= {r.Min}" : null;
        var high = r.Max < valid.Max ? $"version <= {r.Max}" : null;
        return (low, high) switch
        {
            (null, null) => "true",
            (not null, null) => low,
            (null, not null) => high,
            _ => r.Min == r.Max ? $"version == {r.Min}" : $"{low} && {high}",
        };
    }

    public override string ToString() => IsEmpty ? "none" : Max == Open ? $"{Min}+" : $"{Min}-{Max}";
}
