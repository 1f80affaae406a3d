// One embedded broker for the whole assembly; every test makes its own topic.
[assembly: AssemblyFixture(typeof(SensorAspire.Testing.BrokerFixture))]
