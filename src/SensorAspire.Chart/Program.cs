using SensorAspire.Chart;
using SensorAspire.Chart.Streaming;
using SensorAspire.Chart.Windows;

// In a container this program is PID 1, which ignores a signal it has no handler for: SIGTERM is handled from here.
using var sigterm = SigtermFromStart.Handle();
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKafkaConsumer<string?, byte[]?>("kafka", WindowUpdatesConsumer.ConfigureAssignOnly);
builder.AddChartServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseRateLimiter();
app.MapChartEndpoints();
await sigterm.RunAsync(app);
