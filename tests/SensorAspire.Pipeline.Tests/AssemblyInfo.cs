// One embedded broker for the whole assembly; every test makes its own topics and groups.
[assembly: AssemblyFixture(typeof(SensorAspire.Testing.BrokerFixture))]
