[assembly: AssemblyFixture(typeof(SensorAspire.Testing.BrowserFixture))]
