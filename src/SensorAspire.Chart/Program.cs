using SensorAspire.Chart;
using SensorAspire.Chart.Streaming;
using SensorAspire.Chart.Windows;

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
app.Run();
