using SensorAspire.EmbeddedKafka;

// Runs the broker until Ctrl+C: dotnet run --project src/SensorAspire.EmbeddedKafka -- --port 9092
return await BrokerCommandLine.RunAsync(args);
