using SensorAspire.Chart;
using SensorAspire.Chart.Streaming;

var builder = WebApplication.CreateBuilder(args);
builder.AddChartServices();

var app = builder.Build();
app.MapHealthChecks("/health");
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapChartEndpoints();
app.Run();
