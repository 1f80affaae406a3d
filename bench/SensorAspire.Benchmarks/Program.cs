using SensorAspire.Benchmarks.Chart;

return args.FirstOrDefault() switch
{
    "chart" => await ChartBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/SensorAspire.Benchmarks -- <broker|window|pipeline|chart>");
    return 2;
}
