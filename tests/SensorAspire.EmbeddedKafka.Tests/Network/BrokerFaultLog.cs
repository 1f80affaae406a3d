using Microsoft.Extensions.Logging;

namespace SensorAspire.EmbeddedKafka.Tests.Network;

/// <summary>
/// Counts what a broker reports as its own failure: log entries at Error or above (a handler or connection that
/// threw something other than a protocol error) and unobserved task exceptions from broker code.
/// Malformed input only ever logs a Warning ("Closing connection ...").
/// </summary>
internal sealed class BrokerFaultLog : ILoggerProvider, ILoggerFactory
{
    private readonly List<string> _faults = [];
    private int _warnings;

    public BrokerFaultLog() => TaskScheduler.UnobservedTaskException += OnUnobserved;

    public IReadOnlyList<string> Faults
    {
        get
        {
            // Unobserved exceptions surface only when their tasks are finalized.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            lock (_faults)
            {
                return [.. _faults];
            }
        }
    }

    /// <summary>Warnings logged (connections closed for malformed input): proves hostile frames reached the parser.</summary>
    public int Warnings => Volatile.Read(ref _warnings);

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        if (e.Exception.ToString().Contains("SensorAspire.EmbeddedKafka.", StringComparison.Ordinal)
            && !e.Exception.ToString().Contains("SensorAspire.EmbeddedKafka.Tests", StringComparison.Ordinal))
        {
            Add("unobserved: " + e.Exception);
        }
    }

    private void Add(string fault)
    {
        lock (_faults)
        {
            _faults.Add(fault);
        }
    }

    public ILogger CreateLogger(string categoryName) => new FaultLogger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose() => TaskScheduler.UnobservedTaskException -= OnUnobserved;

    private sealed class FaultLogger(BrokerFaultLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Interlocked.Increment(ref log._warnings);
            }
            else if (logLevel > LogLevel.Warning)
            {
                log.Add($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
