using SensorAspire.Benchmarks;

return args.FirstOrDefault() switch
{
    "broker" => await BrokerBenchmark.RunAsync(args[1..]),
    "groups" => await GroupBenchmark.RunAsync(args[1..]),
    "storage" => await StorageBenchmark.RunAsync(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.WriteLine("usage: dotnet run -c Release --project bench/SensorAspire.Benchmarks -- <broker|groups|storage|window|pipeline|chart>");
    return 2;
}
