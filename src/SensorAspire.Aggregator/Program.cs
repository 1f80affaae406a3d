var builder = WebApplication.CreateSlimBuilder(args);

builder.AddServiceDefaults();
builder.AddAggregatorServices();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
