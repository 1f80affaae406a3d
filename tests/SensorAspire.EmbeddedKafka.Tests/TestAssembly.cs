// One broker for the whole assembly; tests isolate themselves with unique topics and groups (see BrokerFixture).
[assembly: AssemblyFixture(typeof(SensorAspire.Testing.BrokerFixture))]
