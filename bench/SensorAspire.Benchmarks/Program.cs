Console.WriteLine("usage: dotnet run -c Release --project bench/SensorAspire.Benchmarks -- <broker|window|pipeline|chart>");
