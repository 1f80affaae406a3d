using System.Globalization;
using System.Text.RegularExpressions;

namespace SensorAspire.Containers.Tests;

/// <summary>
/// Resolves the manifest's expressions (<c>{kafka.bindings.tcp.host}</c>, <c>{kafka.connectionString}</c>,
/// <c>{name.value}</c>) as a deployment tool does for containers on one network: a resource is reached by its name on
/// that network, directly on its container's port (<c>targetPort</c>; no proxy or host port in between). Anything it
/// cannot resolve fails naming the expression, as a deployment would.
/// </summary>
internal sealed partial class ManifestResolver(PublishedManifest manifest, IReadOnlyDictionary<string, string>? parameters = null)
{
    // A connection string may refer to another; deeper than this is a cycle.
    private const int MaxDepth = 8;

    public string Resolve(string value) => Resolve(value, 0);

    private string Resolve(string value, int depth) =>
        depth > MaxDepth
            ? throw new InvalidOperationException($"'{value}' refers to itself through more than {MaxDepth} expressions")
            : Expression().Replace(value, match => Evaluate(match.Groups[1].Value, depth));

    private string Evaluate(string expression, int depth)
    {
        var parts = expression.Split('.');
        if (!manifest.Resources.TryGetValue(parts[0], out var resource))
        {
            throw Unresolved(expression, $"the manifest has no resource '{parts[0]}'");
        }

        return parts[1..] switch
        {
            ["connectionString"] => Resolve(
                resource.ConnectionString ?? throw Unresolved(expression, $"'{resource.Name}' has no connectionString"), depth + 1),
            ["value"] => ParameterValue(resource, expression, depth),
            ["bindings", var binding, var property] => BindingValue(resource, binding, property, expression),
            _ => throw Unresolved(expression, "not an expression of the manifest format"),
        };
    }

    private string ParameterValue(ManifestResource resource, string expression, int depth) =>
        parameters?.GetValueOrDefault(resource.Name) is { } given
            ? given
            : resource.Value is { } value && !Expression().IsMatch(value)
                ? Resolve(value, depth + 1)
                : throw Unresolved(expression, $"no value was given for parameter '{resource.Name}'");

    private static string BindingValue(ManifestResource resource, string name, string property, string expression)
    {
        var binding = resource.Bindings.GetValueOrDefault(name)
            ?? throw Unresolved(expression, $"'{resource.Name}' has no binding '{name}'");
        var port = binding.TargetPort ?? throw Unresolved(expression, $"binding '{name}' of '{resource.Name}' has no targetPort");
        return property switch
        {
            "host" => resource.Name,
            "port" or "targetPort" => port.ToString(CultureInfo.InvariantCulture),
            "scheme" => binding.Scheme,
            "url" => string.Create(CultureInfo.InvariantCulture, $"{binding.Scheme}://{resource.Name}:{port}"),
            _ => throw Unresolved(expression, $"bindings have no property '{property}'"),
        };
    }

    private static InvalidOperationException Unresolved(string expression, string reason) =>
        new($"{{{expression}}} cannot be resolved: {reason}");

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Expression();
}
