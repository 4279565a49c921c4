using Microsoft.Extensions.Logging;

namespace StationHub.Delivery;

internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Delivered {DeliveryId} ({EventType}) to {Destination} on try {Attempt}: HTTP {StatusCode}")]
    public static partial void Delivered(ILogger logger, string deliveryId, string eventType, string destination, int attempt, int? statusCode);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to {Destination} failed on try {Attempt} ({Error}); next try in {Delay}")]
    public static partial void DeliveryRetrying(ILogger logger, string deliveryId, string destination, int attempt, string? error, TimeSpan delay);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Delivery {DeliveryId} to {Destination} dead-lettered after {Attempts} tries ({Error})")]
    public static partial void DeadLettered(ILogger logger, string deliveryId, string destination, int attempts, string? error);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} to {Destination} was already made; repeat skipped")]
    public static partial void DeliveryRepeatSkipped(ILogger logger, string deliveryId, string destination);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "Delivery {DeliveryId} to {Destination} waits: the endpoint is {State}")]
    public static partial void DeliveryParked(ILogger logger, string deliveryId, string destination, string state);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Debug, Message = "Delivery {DeliveryId} to {Destination} throttled ({MaxPerSecond}/s); queued again in {Delay}")]
    public static partial void DeliveryThrottled(ILogger logger, string deliveryId, string destination, int maxPerSecond, TimeSpan delay);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Critical, Message = "Endpoint {Destination} disabled: failing since {FailingSince} without a success ({Failures} failures in a row, last {Error}); its deliveries wait until an administrator resumes it")]
    public static partial void EndpointDisabled(ILogger logger, string destination, DateTimeOffset? failingSince, int failures, string? error);
}
