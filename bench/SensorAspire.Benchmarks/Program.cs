using SensorAspire.Benchmarks;
using SensorAspire.Benchmarks.Chart;

return args.FirstOrDefault() switch
{
    "broker" => await BrokerBenchmark.RunAsync(args[1..]),
    "groups" => await GroupBenchmark.RunAsync(args[1..]),
    "storage" => await StorageBenchmark.RunAsync(args[1..]),
    "window" => WindowBenchmark.Run(args[1..]),
    "pipeline" => await PipelineBenchmark.RunAsync(args[1..]),
    "chart" => await ChartBenchmark.RunAsync(args[1..]),
    "apphost" => await AppHostBenchmark.RunAsync(args[1..]),
    "pixel" => await PixelLatencyBenchmark.RunAsync(args[1..]),
    "recovery" => await RecoveryBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/SensorAspire.Benchmarks -- <broker|groups|storage|window|pipeline|chart|apphost|pixel|recovery>");
    return 2;
}
