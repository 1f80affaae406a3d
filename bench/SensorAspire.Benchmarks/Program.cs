using SensorAspire.Benchmarks;

return args.FirstOrDefault() switch
{
    "window" => WindowBenchmark.Run(args[1..]),
    "pipeline" => await PipelineBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/SensorAspire.Benchmarks -- <broker|window|pipeline|chart>");
    return 2;
}
