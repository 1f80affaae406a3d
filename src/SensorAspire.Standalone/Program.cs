using SensorAspire.Standalone;

if (StandaloneCommandLine.Check(args) is { } earlyExitCode)
{
    return earlyExitCode;
}

var builder = Host.CreateApplicationBuilder();
builder.Configuration.AddCommandLine(args, StandaloneCommandLine.SwitchMappings);
builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
builder.Services.AddStandalone();

using var host = builder.Build();
if (!StandaloneCommandLine.TryValidate(host.Services))
{
    return 2;
}

await host.RunAsync();
return Environment.ExitCode;
