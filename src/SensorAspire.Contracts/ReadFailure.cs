namespace SensorAspire.Contracts;

/// <summary>
/// Why a message value could not be read: a short <see cref="Reason"/> code (the aggregator's <c>dlq.reason</c> header
/// and its metrics' <c>reason</c> tag) and a <see cref="Detail"/> for people.
/// </summary>
public readonly record struct ReadFailure(string Reason, string Detail)
{
    public const string EmptyValue = "empty-value";
    public const string InvalidJson = "invalid-json";
    public const string UnsupportedVersion = "unsupported-version";
    public const string MissingSensorId = "missing-sensor-id";
    public const string KeyMismatch = "key-mismatch";
    public const string InvalidReading = "invalid-reading";
    public const string InvalidWindow = "invalid-window";
    public const string InvalidTutorialFormat = "invalid-tutorial-format";

    internal static bool Fail(string reason, string detail, out ReadFailure failure)
    {
        failure = new ReadFailure(reason, detail);
        return false;
    }
}
