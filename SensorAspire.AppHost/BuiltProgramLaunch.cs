using System.Reflection;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace SensorAspire.AppHost;

/// <summary>
/// Runs each project resource's built program (<c>dotnet &lt;Project&gt;.dll</c>) instead of <c>dotnet run --no-build</c>.
/// </summary>
/// <remarks>
/// Building the AppHost builds every project it references, so Aspire starts each one with <c>dotnet run --no-build
/// --no-launch-profile</c>. That still evaluates the project with MSBuild before the program starts: about a second of
/// CPU per project, on the path from <c>dotnet run</c> to the chart (the services wait for the broker), and five at once
/// compete for the same cores. Running the built program directly, with the same working directory, environment and
/// arguments (Aspire's <see cref="ExecutableAnnotation"/> on a project), starts it without that step; the resources
/// stay projects (dashboard, Rebuild command, container publishing). The build records where each program is
/// (<c>ProjectProgram</c> metadata, see the AppHost's project file). Under an IDE or <c>dotnet watch</c>, or for a
/// project whose program is not where the build put it, Aspire launches it as before.
/// </remarks>
internal static class BuiltProgramLaunch
{
    private const string MetadataPrefix = "ProjectProgram:";

    public static IDistributedApplicationBuilder RunBuiltPrograms(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode
            || !string.IsNullOrEmpty(builder.Configuration["DEBUG_SESSION_PORT"])
            || builder.Configuration.GetValue<bool>("DOTNET_WATCH"))
        {
            return builder;
        }

        var programs = BuiltPrograms();
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            foreach (var project in e.Model.Resources.OfType<ProjectResource>())
            {
                if (project.TryGetLastAnnotation<IProjectMetadata>(out var metadata)
                    && !project.HasAnnotationOfType<ExecutableAnnotation>()
                    && programs.TryGetValue(Path.GetFullPath(metadata.ProjectPath), out var program)
                    && File.Exists(program))
                {
                    project.Annotations.Add(new ExecutableAnnotation
                    {
                        Command = "dotnet",
                        WorkingDirectory = Path.GetDirectoryName(metadata.ProjectPath)!,
                    });
                    // First, before the resource's own arguments: `dotnet <program> <arguments>`.
                    project.Annotations.Insert(0, new CommandLineArgsCallbackAnnotation(args => args.Insert(0, program)));
                }
            }

            return Task.CompletedTask;
        });
        return builder;
    }

    /// <summary>Project file → built program, as recorded by the build.</summary>
    private static Dictionary<string, string> BuiltPrograms() =>
        typeof(BuiltProgramLaunch).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Key.StartsWith(MetadataPrefix, StringComparison.Ordinal) && !string.IsNullOrEmpty(a.Value))
            .ToDictionary(a => Path.GetFullPath(a.Key[MetadataPrefix.Length..]), a => a.Value!, StringComparer.Ordinal);
}
