using System.Text.Json;

namespace SensorAspire.EmbeddedKafka.CodeGen;

/// <summary>One schema file: a request, response, header or data message.</summary>
internal sealed record MessageSpec(
    string Name,
    string Kind,
    short? ApiKey,
    VersionRange Valid,
    VersionRange Flexible,
    IReadOnlyList<FieldSpec> Fields,
    IReadOnlyList<StructSpec> CommonStructs)
{
    private static readonly JsonDocumentOptions s_options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static MessageSpec Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), s_options);
        var root = document.RootElement;
        var commonStructs = root.TryGetProperty("commonStructs", out var common)
            ? common.EnumerateArray().Select(s => new StructSpec(s.GetProperty("name").GetString()!, FieldSpec.ParseAll(s.GetProperty("fields")))).ToList()
            : [];
        return new MessageSpec(
            root.GetProperty("name").GetString()!,
            root.GetProperty("type").GetString()!,
            root.TryGetProperty("apiKey", out var key) ? key.GetInt16() : null,
            VersionRange.Parse(root.GetProperty("validVersions").GetString()),
            VersionRange.Parse(root.GetProperty("flexibleVersions").GetString()),
            FieldSpec.ParseAll(root.GetProperty("fields")),
            commonStructs);
    }
}

internal sealed record StructSpec(string Name, IReadOnlyList<FieldSpec> Fields);

internal sealed record FieldSpec(
    string Name,
    string Type,
    VersionRange Versions,
    VersionRange Nullable,
    VersionRange Tagged,
    int? Tag,
    VersionRange? FlexibleOverride,
    string? Default,
    string? About,
    IReadOnlyList<FieldSpec>? Fields)
{
    public bool IsArray => Type.StartsWith("[]", StringComparison.Ordinal);

    public string ElementType => IsArray ? Type[2..] : Type;

    public bool IsStructType => !Primitives.Contains(ElementType);

    public static readonly HashSet<string> Primitives =
        ["int8", "int16", "int32", "int64", "uint16", "uint32", "float64", "bool", "uuid", "string", "bytes", "records"];

    public static IReadOnlyList<FieldSpec> ParseAll(JsonElement fields) => fields.EnumerateArray().Select(Parse).ToList();

    private static FieldSpec Parse(JsonElement f)
    {
        string? Str(string name) => f.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;
        return new FieldSpec(
            Str("name")!,
            Str("type")!.Trim(),
            VersionRange.Parse(Str("versions")),
            VersionRange.Parse(Str("nullableVersions")),
            VersionRange.Parse(Str("taggedVersions")),
            f.TryGetProperty("tag", out var tag) ? tag.GetInt32() : null,
            Str("flexibleVersions") is { } flex ? VersionRange.Parse(flex) : null,
            Str("default"),
            Str("about"),
            f.TryGetProperty("fields", out var nested) ? ParseAll(nested) : null);
    }
}
