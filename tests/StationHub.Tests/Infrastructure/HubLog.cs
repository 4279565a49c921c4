using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StationHub.Tests.Infrastructure;

/// <summary>
/// Keeps the warnings and errors of a test's in-process hubs, so that a failure message can say
/// what the hub saw (a 500's exception, say) instead of only what the client got.
/// </summary>
/// <param name="minimum">The lowest level kept (a test that reads what the hub logs at Information lowers it, with the hub's own filter).</param>
public sealed class HubLog(LogLevel minimum = LogLevel.Warning) : ILoggerProvider
{
    private const int Kept = 200;
    private readonly LogLevel level = minimum;
    private readonly ConcurrentQueue<string> lines = new();
    private readonly ConcurrentDictionary<int, int> counts = new();

    public IReadOnlyList<string> Lines => [.. lines];

    public override string ToString() => string.Join('\n', lines);

    /// <summary>How many warnings and errors with this event id the hubs have logged (all of them, not only the lines kept).</summary>
    public int Count(int eventId) => counts.GetValueOrDefault(eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lines.Enqueue(line);
        while (lines.Count > Kept && lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(HubLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= log.level;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.counts.AddOrUpdate(eventId.Id, 1, (_, n) => n + 1);
                log.Add($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.GetType().Name + ": " + exception.Message)}");
            }
        }
    }
}
