// The images are built once for the assembly: the stand-in base, the dashboard, kcat, and the app's four with the SDK.
[assembly: AssemblyFixture(typeof(SensorAspire.Containers.Tests.ContainerImages))]
// One Chromium, for the chart page.
[assembly: AssemblyFixture(typeof(SensorAspire.Testing.BrowserFixture))]
