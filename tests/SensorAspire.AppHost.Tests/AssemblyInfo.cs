// One Chromium for the browser tests.
[assembly: AssemblyFixture(typeof(SensorAspire.Testing.BrowserFixture))]
