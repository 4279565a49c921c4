using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StationHub.Platform.Storage;
using StationHub.Platform.Telemetry;

namespace StationHub.Triggers;

/// <summary>
/// Runs a queue function of the trigger table the same way on both hosts. A message the handler
/// cannot read (<see cref="MalformedMessageException"/>) is moved to the queue's poison twin at once,
/// with one log line, instead of failing on each of its tries; any other failure is rethrown so the
/// host retries the message and poisons it after its last try.
/// </summary>
public static partial class QueueFunctionRunner
{
    /// <summary>Runs the function on one message; <paramref name="dequeueCount"/> as the queue reports it (0 when not known).</summary>
    public static async Task RunAsync(this QueueFunction function, IServiceProvider services, BinaryData message, long dequeueCount, CancellationToken cancellationToken = default)
    {
        var (traceParent, traceState) = QueueTrace.Read(message.ToMemory().Span);
        using var activity = HubTelemetry.StartQueueMessage(function.Name, function.Queue, traceParent, traceState);
        using var caller = StorageRequestMetrics.For(function.Name);
        try
        {
            await function.Handler(services, message, dequeueCount, cancellationToken);
        }
        catch (MalformedMessageException exception)
        {
            var storage = services.GetRequiredService<HubStorage>();
            await storage.PoisonQueue(function.Queue).SendMessageAsync(message, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken);
            Log.MovedToPoison(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(QueueFunctionRunner)), function.Name, function.Queue, exception.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9310, Level = LogLevel.Error, Message = "Function {Function}: a message on {Queue} cannot be read and was moved to its poison queue at once: {Reason}")]
        public static partial void MovedToPoison(ILogger logger, string function, string queue, string reason);
    }
}
