// In a container this program is PID 1, which ignores a signal it has no handler for: SIGTERM is handled from here.
using var sigterm = SigtermFromStart.Handle();
var builder = WebApplication.CreateSlimBuilder(args);

builder.AddServiceDefaults();
builder.AddAggregatorServices();

var app = builder.Build();

app.MapDefaultEndpoints();

await sigterm.RunAsync(app);
